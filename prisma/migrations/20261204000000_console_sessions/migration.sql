-- Console sign-in (issue 13): roles of people (admin-kind tokens), per environment if need be, and
-- browser sessions. Existing tokens become admins everywhere, as they were.

-- CreateEnum
CREATE TYPE "TokenRole" AS ENUM ('admin', 'editor', 'viewer');

-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN "role" "TokenRole" NOT NULL DEFAULT 'admin',
ADD COLUMN "environmentRoles" JSONB NOT NULL DEFAULT '{}';

-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL,
    "tokenId" TEXT NOT NULL,
    "csrfToken" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Session_tokenId_idx" ON "Session"("tokenId");

-- CreateIndex
CREATE INDEX "Session_expiresAt_idx" ON "Session"("expiresAt");

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_tokenId_fkey" FOREIGN KEY ("tokenId") REFERENCES "ApiToken"("id") ON DELETE CASCADE ON UPDATE CASCADE;
