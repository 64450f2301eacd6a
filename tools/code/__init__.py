"""Code tools: outlines, repo maps and summaries."""
