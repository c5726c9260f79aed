//! Contacts: the people invited to surveys (in progress).
