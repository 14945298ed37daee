"""triage.coding"""
