DROP TABLE setup_tokens;
DROP TABLE auth_failures;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
