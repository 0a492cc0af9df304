ALTER TABLE measurements RENAME TO observations;
