"""Official documents (公文) in the GB/T 9704-2012 layout, made with python-docx: meeting
notices, minutes drafts, progress circulars and supervision slips, and their numbers."""
