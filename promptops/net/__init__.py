"""Network plumbing shared by every client: the one HTTP helper (total deadlines, one origin
per credential) and redaction of known secrets from anything a server sends back."""
