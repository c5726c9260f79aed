//! Invitations and reminders through the API and the staff page: one per contact, skipped reasons, statuses.
