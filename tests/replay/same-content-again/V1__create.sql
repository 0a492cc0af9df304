CREATE TABLE "JobVersion" (id text PRIMARY KEY);
