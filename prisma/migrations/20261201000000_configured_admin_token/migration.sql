-- The token SWITCHYARD_ADMIN_TOKEN creates is marked, so that a start with another value revokes it,
-- and only it (server/src/tokens/service.ts, applyConfiguredAdminToken).
ALTER TABLE "ApiToken" ADD COLUMN "configuredBy" TEXT;

-- Before this column, the variable's tokens were known only by their name, and a new value added a
-- token without revoking the earlier one: mark them all, so that the next start revokes those whose
-- secret is not the variable's value. (A token rotated through the API keeps its name, so it is marked
-- too: it was the variable's token.)
UPDATE "ApiToken" SET "configuredBy" = 'SWITCHYARD_ADMIN_TOKEN'
WHERE "kind" = 'admin' AND "name" = 'admin (SWITCHYARD_ADMIN_TOKEN)';

-- The display prefix was the first 16 characters of the secret: of a secret someone chose, that is 16
-- of as few as 24. Keep 4, as new tokens do; a generated secret's prefix (the public `sy_<kind>_` marker
-- and 6 or 7 random characters of 43) stays as it was, so people still recognise it.
UPDATE "ApiToken" SET "prefix" = left("prefix", 4)
WHERE "prefix" !~ '^sy_(admin|server|client)_';
