"""Files to Documents: read (pypdf, text), structure (§, dnr, decisions), chunk."""

# Bump when parsing or chunking changes what an unchanged file yields: an index written by
# another version re-parses and re-embeds every file on the next ingest.
PARSER_VERSION = 5  # 3: scanned pages read by OCR; 4: heading paths, table rows, running heads left out;
# 5: a section named by a title line is labelled by the whole title
