UPDATE x SET v = 0;
