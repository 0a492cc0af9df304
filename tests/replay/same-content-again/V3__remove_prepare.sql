-- AlterTable
ALTER TABLE "JobVersion" DROP COLUMN "prepare";
