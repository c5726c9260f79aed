//! The unsubscribe link: the page, the RFC 8058 one-click POST, and suppression at send time.
