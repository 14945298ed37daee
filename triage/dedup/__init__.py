"""triage.dedup"""
