DROP TABLE place_roles;
