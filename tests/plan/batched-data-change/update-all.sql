UPDATE measurements SET value = value * 2 + 1;
