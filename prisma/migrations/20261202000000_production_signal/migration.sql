-- The production signal (issue 11): SDK metrics reports, the rollups they are folded into, guarded-release
-- exposures and events, the SDK instances seen, and when a flag was archived.

ALTER TABLE "Flag" ADD COLUMN "archivedAt" TIMESTAMP(3);
-- Flags archived before this column existed: their last change is the best estimate of when.
UPDATE "Flag" SET "archivedAt" = "updatedAt" WHERE "archived";

ALTER TABLE "FlagEnvironment" ADD COLUMN "guardedMetrics" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateTable
CREATE TABLE "MetricsReport" (
    "id" TEXT NOT NULL,
    "environmentId" TEXT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "payload" JSONB,
    "foldedAt" TIMESTAMP(3),

    CONSTRAINT "MetricsReport_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FlagEvaluationRollup" (
    "environmentId" TEXT NOT NULL,
    "flagKey" TEXT NOT NULL,
    "granularity" TEXT NOT NULL,
    "bucketStart" TIMESTAMP(3) NOT NULL,
    "variation" INTEGER NOT NULL,
    "errorKind" TEXT NOT NULL,
    "count" BIGINT NOT NULL,

    CONSTRAINT "FlagEvaluationRollup_pkey" PRIMARY KEY ("environmentId", "flagKey", "granularity", "bucketStart", "variation", "errorKind")
);

-- CreateTable
CREATE TABLE "FlagServed" (
    "environmentId" TEXT NOT NULL,
    "flagKey" TEXT NOT NULL,
    "variation" INTEGER NOT NULL,
    "errorKind" TEXT NOT NULL,
    "firstAt" TIMESTAMP(3) NOT NULL,
    "lastAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FlagServed_pkey" PRIMARY KEY ("environmentId", "flagKey", "variation", "errorKind")
);

-- CreateTable
CREATE TABLE "CustomEventRollup" (
    "environmentId" TEXT NOT NULL,
    "eventKey" TEXT NOT NULL,
    "granularity" TEXT NOT NULL,
    "bucketStart" TIMESTAMP(3) NOT NULL,
    "count" BIGINT NOT NULL,
    "valueCount" BIGINT NOT NULL,
    "sum" DOUBLE PRECISION NOT NULL,
    "sumSquares" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "CustomEventRollup_pkey" PRIMARY KEY ("environmentId", "eventKey", "granularity", "bucketStart")
);

-- CreateTable
CREATE TABLE "GuardedExposure" (
    "environmentId" TEXT NOT NULL,
    "flagKey" TEXT NOT NULL,
    "variation" INTEGER NOT NULL,
    "contextHash" TEXT NOT NULL,
    "firstAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "GuardedExposure_pkey" PRIMARY KEY ("environmentId", "flagKey", "variation", "contextHash")
);

-- CreateTable
CREATE TABLE "GuardedMetricContext" (
    "environmentId" TEXT NOT NULL,
    "flagKey" TEXT NOT NULL,
    "metricKey" TEXT NOT NULL,
    "variation" INTEGER NOT NULL,
    "contextHash" TEXT NOT NULL,
    "firstAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "GuardedMetricContext_pkey" PRIMARY KEY ("environmentId", "flagKey", "metricKey", "variation", "contextHash")
);

-- CreateTable
CREATE TABLE "GuardedMetricRollup" (
    "environmentId" TEXT NOT NULL,
    "flagKey" TEXT NOT NULL,
    "metricKey" TEXT NOT NULL,
    "variation" INTEGER NOT NULL,
    "bucketStart" TIMESTAMP(3) NOT NULL,
    "count" BIGINT NOT NULL,
    "valueCount" BIGINT NOT NULL,
    "sum" DOUBLE PRECISION NOT NULL,
    "sumSquares" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "GuardedMetricRollup_pkey" PRIMARY KEY ("environmentId", "flagKey", "metricKey", "variation", "bucketStart")
);

-- CreateTable
CREATE TABLE "SdkInstance" (
    "environmentId" TEXT NOT NULL,
    "instanceId" TEXT NOT NULL,
    "sdkName" TEXT NOT NULL,
    "sdkVersion" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "snapshotVersion" INTEGER,
    "firstSeenAt" TIMESTAMP(3) NOT NULL,
    "lastSeenAt" TIMESTAMP(3) NOT NULL,
    "droppedEvaluations" BIGINT NOT NULL DEFAULT 0,
    "droppedEvents" BIGINT NOT NULL DEFAULT 0,
    "droppedContexts" BIGINT NOT NULL DEFAULT 0,
    "droppedReports" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "SdkInstance_pkey" PRIMARY KEY ("environmentId", "instanceId")
);

-- CreateIndex
CREATE INDEX "MetricsReport_foldedAt_receivedAt_idx" ON "MetricsReport"("foldedAt", "receivedAt");

-- CreateIndex
CREATE INDEX "FlagEvaluationRollup_environmentId_granularity_bucketStart_idx" ON "FlagEvaluationRollup"("environmentId", "granularity", "bucketStart");

-- CreateIndex
CREATE INDEX "CustomEventRollup_environmentId_granularity_bucketStart_idx" ON "CustomEventRollup"("environmentId", "granularity", "bucketStart");

-- CreateIndex
CREATE INDEX "SdkInstance_environmentId_lastSeenAt_idx" ON "SdkInstance"("environmentId", "lastSeenAt");

-- AddForeignKey
ALTER TABLE "MetricsReport" ADD CONSTRAINT "MetricsReport_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "Environment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FlagEvaluationRollup" ADD CONSTRAINT "FlagEvaluationRollup_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "Environment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FlagServed" ADD CONSTRAINT "FlagServed_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "Environment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CustomEventRollup" ADD CONSTRAINT "CustomEventRollup_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "Environment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GuardedExposure" ADD CONSTRAINT "GuardedExposure_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "Environment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GuardedMetricContext" ADD CONSTRAINT "GuardedMetricContext_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "Environment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GuardedMetricRollup" ADD CONSTRAINT "GuardedMetricRollup_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "Environment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SdkInstance" ADD CONSTRAINT "SdkInstance_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "Environment"("id") ON DELETE CASCADE ON UPDATE CASCADE;
