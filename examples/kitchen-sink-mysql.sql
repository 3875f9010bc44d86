-- A MySQL/MariaDB schema with one of everything the MySQL dialect replicates, and
-- some rows. Tests load it into a fresh database and replicate it phase by phase.

CREATE TABLE `order` (
  `id` int(10) unsigned NOT NULL AUTO_INCREMENT COMMENT 'the key',
  `code` varchar(20) NOT NULL,
  `status` enum('new','paid','it''s shipped') NOT NULL DEFAULT 'new',
  `flags` set('gift','rush','fragile') DEFAULT 'gift,rush',
  `bits` bit(3) DEFAULT b'101',
  `made` year(4) DEFAULT 2024,
  `qty` smallint(5) unsigned zerofill NOT NULL DEFAULT 00001,
  `price` decimal(10,2) NOT NULL DEFAULT 0.00,
  `legacy_date` datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  `created` timestamp NOT NULL DEFAULT current_timestamp(),
  `updated` timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(),
  `doc` json DEFAULT NULL,
  `note` varchar(100) CHARACTER SET latin1 COLLATE latin1_bin DEFAULT NULL,
  `total` decimal(12,2) GENERATED ALWAYS AS (`qty` * `price`) VIRTUAL,
  `code_upper` varchar(20) GENERATED ALWAYS AS (upper(`code`)) STORED,
  `secret` int(11) INVISIBLE DEFAULT 7,
  `positive` int(11) DEFAULT NULL CHECK (`positive` > 0),
  PRIMARY KEY (`id`),
  UNIQUE KEY `order code` (`code`),
  KEY `prefix_desc` (`note`(10) DESC, `price`) COMMENT 'prefix and DESC',
  KEY `ignored_one` (`made`) IGNORED,
  CONSTRAINT `price not negative` CHECK (`price` >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=COMPACT COMMENT='orders, with a keyword for a name';

CREATE TABLE `line item` (
  `order id` int(10) unsigned NOT NULL,
  `n°` int(11) NOT NULL,
  `sku` varchar(30) COLLATE utf8mb4_general_ci NOT NULL,
  `qty` int(11) NOT NULL DEFAULT 1,
  PRIMARY KEY (`order id`, `n°`),
  KEY `by sku` (`sku`),
  CONSTRAINT `line→order` FOREIGN KEY (`order id`) REFERENCES `order` (`id`) ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT `qty``positive` CHECK (`qty` > 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE `sku` (
  `sku` varchar(30) NOT NULL,
  `serial` bigint(20) NOT NULL AUTO_INCREMENT,
  `title` text NOT NULL,
  `body` mediumtext DEFAULT NULL,
  `location` point NOT NULL,
  `area` geometry DEFAULT NULL,
  PRIMARY KEY (`sku`),
  UNIQUE KEY `serial` (`serial`),
  FULLTEXT KEY `search` (`title`, `body`),
  SPATIAL KEY `where` (`location`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

ALTER TABLE `line item` ADD CONSTRAINT `line→sku` FOREIGN KEY (`sku`) REFERENCES `sku` (`sku`) ON DELETE RESTRICT;

CREATE TABLE `category` (
  `id` int(11) NOT NULL,
  `parent` int(11) DEFAULT NULL,
  `name` varchar(50) NOT NULL,
  `slug` varchar(50) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `slug` (`slug`),
  CONSTRAINT `category_parent` FOREIGN KEY (`parent`) REFERENCES `category` (`id`) ON DELETE SET NULL
) ENGINE=InnoDB;

CREATE TABLE `tagged` (
  `slug` varchar(50) NOT NULL,
  `sku` varchar(30) NOT NULL,
  PRIMARY KEY (`slug`, `sku`),
  CONSTRAINT `tagged_category` FOREIGN KEY (`slug`) REFERENCES `category` (`slug`) ON UPDATE CASCADE,
  FOREIGN KEY (`sku`) REFERENCES `sku` (`sku`) ON DELETE NO ACTION
) ENGINE=InnoDB;

CREATE TABLE `cache` (
  `k` varchar(40) NOT NULL,
  `v` varchar(200) DEFAULT NULL,
  PRIMARY KEY (`k`),
  KEY `by_v` (`v`) USING BTREE
) ENGINE=MEMORY DEFAULT CHARSET=utf8mb4;

CREATE TABLE `log` (
  `id` int(11) NOT NULL AUTO_INCREMENT,
  `msg` varchar(200) NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=MyISAM DEFAULT CHARSET=latin1 CHECKSUM=1 PACK_KEYS=1;

CREATE TABLE `events by month` (
  `id` int(11) NOT NULL,
  `at` date NOT NULL,
  PRIMARY KEY (`id`, `at`)
) ENGINE=InnoDB
PARTITION BY RANGE (year(`at`))
(PARTITION `p2023` VALUES LESS THAN (2024) COMMENT = 'old',
 PARTITION `p 2024` VALUES LESS THAN (2025),
 PARTITION `pmax` VALUES LESS THAN MAXVALUE);

CREATE TABLE `hashed` (
  `id` int(11) NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB
PARTITION BY HASH (`id`)
PARTITIONS 4;

CREATE TABLE `Mixed Case ✓` (
  `select` int(11) NOT NULL,
  `from` varchar(10) DEFAULT 'a''b\\c',
  PRIMARY KEY (`select`),
  KEY `where` (`from`)
) ENGINE=InnoDB;

CREATE TABLE `no_pk_counter` (
  `tenant` int(11) NOT NULL,
  `seq` int(11) NOT NULL AUTO_INCREMENT,
  `tag` varchar(10) DEFAULT NULL,
  PRIMARY KEY (`tenant`, `seq`),
  KEY `seq` (`seq`)
) ENGINE=InnoDB;

CREATE ALGORITHM=MERGE SQL SECURITY INVOKER VIEW `paid orders` AS
  SELECT `id`, `code`, `price` FROM `order` WHERE `status` = 'paid' WITH CASCADED CHECK OPTION;

CREATE ALGORITHM=TEMPTABLE SQL SECURITY DEFINER VIEW `expensive paid` AS
  SELECT `code`, `price` FROM `paid orders` WHERE `price` > 10;

CREATE VIEW `a ``quoted`` view ✓` AS SELECT count(*) AS `n°` FROM `line item`;

CREATE TRIGGER `order code upper` BEFORE INSERT ON `order` FOR EACH ROW SET NEW.`code` = TRIM(NEW.`code`);

DELIMITER //
CREATE TRIGGER `order audit` AFTER UPDATE ON `order` FOR EACH ROW BEGIN
  INSERT INTO `log` (`msg`) VALUES (CONCAT('order ', NEW.`id`, ' updated'));
END//
DELIMITER ;

CREATE TRIGGER `order ``audit`` 2 ✓` AFTER UPDATE ON `order` FOR EACH ROW INSERT INTO `log` (`msg`) VALUES ('second');

CREATE FUNCTION `double it`(x INT) RETURNS int(11) DETERMINISTIC RETURN x * 2;

DELIMITER //
CREATE PROCEDURE `noop`() BEGIN END//
DELIMITER ;

INSERT INTO `sku` (`sku`, `serial`, `title`, `body`, `location`) VALUES
  ('A-1', 1, 'Widget', 'a small widget', POINT(1, 2)),
  ('B-2', 2, 'Gadget', NULL, POINT(3, 4)),
  ('C-3', 9, 'Thing', 'big thing', POINT(5, 6));
INSERT INTO `order` (`id`, `code`, `status`, `qty`, `price`, `doc`, `note`, `positive`) VALUES
  (1, 'o-1', 'paid', 2, 15.50, '{"a": 1}', 'first', 3),
  (2, 'o-2', 'new', 1, 3.00, NULL, NULL, NULL),
  (3, 'o-3', 'it''s shipped', 5, 1.00, '[1,2]', 'third', 1),
  (40, 'o-40', 'paid', 1, 99.00, NULL, 'last', 2);
DELETE FROM `order` WHERE `id` = 40;
INSERT INTO `line item` VALUES (1, 1, 'A-1', 2), (1, 2, 'B-2', 1), (3, 1, 'C-3', 5);
INSERT INTO `category` VALUES (1, NULL, 'Root', 'root'), (2, 1, 'Tools', 'tools');
INSERT INTO `tagged` VALUES ('tools', 'A-1'), ('root', 'C-3');
INSERT INTO `cache` VALUES ('k1', 'v1');
INSERT INTO `log` (`msg`) VALUES ('one'), ('two');
INSERT INTO `events by month` VALUES (1, '2023-05-01'), (2, '2024-02-02'), (3, '2030-01-01');
INSERT INTO `hashed` VALUES (1), (2), (3);
INSERT INTO `Mixed Case ✓` VALUES (1, 'x'), (2, DEFAULT);
INSERT INTO `no_pk_counter` (`tenant`, `tag`) VALUES (1, 'a'), (1, 'b'), (2, 'c');
