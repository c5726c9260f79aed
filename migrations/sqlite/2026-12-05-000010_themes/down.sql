DROP TABLE tag_links;
DROP TABLE tags;
