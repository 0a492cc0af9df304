REINDEX TABLE measurements;
