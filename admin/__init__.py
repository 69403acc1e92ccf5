"""Administration: manager dashboard, roster/directory/knowledge-base admin, exports."""
