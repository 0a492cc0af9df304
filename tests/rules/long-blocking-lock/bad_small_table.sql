-- Below the size thresholds: reported as info.
ALTER TABLE small_lookup SET ACCESS METHOD heap2;
