-- The fixture creates the domain positive.
DROP DOMAIN positive;
