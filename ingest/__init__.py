"""Files to Documents: read (pypdf, text), structure (§, dnr, decisions), chunk."""

# Bump when parsing or chunking changes what an unchanged file yields: an index written by
# another version re-parses and re-embeds every file on the next ingest.
PARSER_VERSION = 3
