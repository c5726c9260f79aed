DROP TABLE draw_entries;
DROP TABLE draws;
DROP TABLE coupon_stock;
DROP TABLE coupon_grants;
DROP TABLE coupons;
