-- Progressive delivery (issue 12): release templates and plans, scheduled changes, flag triggers and
-- outgoing webhooks with their delivery log (which is also their outbox: a delivery row commits with
-- the change it announces).

-- CreateTable
CREATE TABLE "ReleaseTemplate" (
    "id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "stages" JSONB NOT NULL,
    "guard" JSONB,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReleaseTemplate_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReleasePlan" (
    "id" TEXT NOT NULL,
    "flagId" TEXT NOT NULL,
    "environmentId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "templateKey" TEXT,
    "definition" JSONB NOT NULL,
    "stageIndex" INTEGER NOT NULL DEFAULT 0,
    "stageStartedAt" TIMESTAMP(3) NOT NULL,
    "approvedStage" INTEGER NOT NULL DEFAULT -1,
    "nextCheckAt" TIMESTAMP(3),
    "waitingFor" TEXT,
    "lastVerdict" JSONB,
    "baseConfig" JSONB NOT NULL,
    "configVersion" INTEGER NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdBy" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "endedAt" TIMESTAMP(3),

    CONSTRAINT "ReleasePlan_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ScheduledChange" (
    "id" TEXT NOT NULL,
    "flagId" TEXT NOT NULL,
    "environmentId" TEXT NOT NULL,
    "dueAt" TIMESTAMP(3) NOT NULL,
    "instructions" JSONB NOT NULL,
    "comment" TEXT NOT NULL DEFAULT '',
    "status" TEXT NOT NULL,
    "outcome" TEXT,
    "baseVersion" INTEGER NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "appliedAt" TIMESTAMP(3),

    CONSTRAINT "ScheduledChange_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FlagTrigger" (
    "id" TEXT NOT NULL,
    "flagId" TEXT NOT NULL,
    "environmentId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "secretPrefix" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" TIMESTAMP(3),
    "lastCalledAt" TIMESTAMP(3),
    "calls" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "FlagTrigger_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Webhook" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "events" TEXT[],
    "format" TEXT NOT NULL,
    "signingSecret" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "version" INTEGER NOT NULL DEFAULT 1,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Webhook_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookDelivery" (
    "id" TEXT NOT NULL,
    "webhookId" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastStatusCode" INTEGER,
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "nextAttemptAt" TIMESTAMP(3),
    "lastAttemptAt" TIMESTAMP(3),
    "deliveredAt" TIMESTAMP(3),

    CONSTRAINT "WebhookDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ReleaseTemplate_key_key" ON "ReleaseTemplate"("key");
CREATE INDEX "ReleasePlan_status_nextCheckAt_idx" ON "ReleasePlan"("status", "nextCheckAt");
CREATE INDEX "ReleasePlan_flagId_environmentId_idx" ON "ReleasePlan"("flagId", "environmentId");
-- Not in schema.prisma (Prisma has no partial indexes): one running or paused plan per flag and environment.
CREATE UNIQUE INDEX "ReleasePlan_one_active" ON "ReleasePlan"("flagId", "environmentId") WHERE "status" IN ('running', 'paused');
CREATE INDEX "ScheduledChange_status_dueAt_idx" ON "ScheduledChange"("status", "dueAt");
CREATE INDEX "ScheduledChange_flagId_environmentId_idx" ON "ScheduledChange"("flagId", "environmentId");
CREATE UNIQUE INDEX "FlagTrigger_secretHash_key" ON "FlagTrigger"("secretHash");
CREATE INDEX "FlagTrigger_flagId_environmentId_idx" ON "FlagTrigger"("flagId", "environmentId");
CREATE INDEX "WebhookDelivery_webhookId_createdAt_idx" ON "WebhookDelivery"("webhookId", "createdAt");
CREATE INDEX "WebhookDelivery_status_nextAttemptAt_idx" ON "WebhookDelivery"("status", "nextAttemptAt");

-- AddForeignKey
ALTER TABLE "ReleasePlan" ADD CONSTRAINT "ReleasePlan_flagId_fkey" FOREIGN KEY ("flagId") REFERENCES "Flag"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ReleasePlan" ADD CONSTRAINT "ReleasePlan_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "Environment"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ScheduledChange" ADD CONSTRAINT "ScheduledChange_flagId_fkey" FOREIGN KEY ("flagId") REFERENCES "Flag"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ScheduledChange" ADD CONSTRAINT "ScheduledChange_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "Environment"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "FlagTrigger" ADD CONSTRAINT "FlagTrigger_flagId_fkey" FOREIGN KEY ("flagId") REFERENCES "Flag"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "FlagTrigger" ADD CONSTRAINT "FlagTrigger_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "Environment"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_webhookId_fkey" FOREIGN KEY ("webhookId") REFERENCES "Webhook"("id") ON DELETE CASCADE ON UPDATE CASCADE;
