"""Files to Documents: read (pypdf, text), structure (§, dnr, decisions), chunk."""

# Bump when parsing or chunking changes what an unchanged file yields: an index written by
# another version re-parses and re-embeds every file on the next ingest.
PARSER_VERSION = 8  # 3: scanned pages read by OCR; 4: heading paths, table rows, running heads left out;
# 5: personal data found (ingest/personal.py); 6: a section named by a title line is labelled by
# the whole title; 7: a chunk copies at most 300 characters of a title or heading and 4,000 of
# its section's decision; 8: a PDF's vote lists and närvarolista tables keep their columns
# (ingest/pdf_columns.py)
# Bump when ingest/protocol.py changes what it reads: the facts are read again from the stored
# documents on the next ingest (nothing is embedded again).
FACTS_VERSION = 2  # 2: the justering deadline of a § ("Protokollet justeras senast …")
