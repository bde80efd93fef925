DROP INDEX public_views_by_fetched;
DROP TABLE public_views;
DROP TABLE global_identity;
