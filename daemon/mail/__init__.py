"""Mail in and out: sources (IMAP, Maildir), MIME parsing, composition, transports."""
