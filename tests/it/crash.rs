//! Crash tests: the real server killed with SIGKILL while it sends a batch of invitations, then restarted.
