UPDATE y SET v = 0;
