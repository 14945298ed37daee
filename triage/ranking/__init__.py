"""triage.ranking"""
