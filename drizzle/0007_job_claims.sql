CREATE TABLE "job_locks" (
	"job" text PRIMARY KEY NOT NULL,
	"holder" text NOT NULL,
	"locked_until" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "job_ticks" (
	"job" text NOT NULL,
	"tick" timestamp with time zone NOT NULL,
	"claimed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "job_ticks_job_tick_pk" PRIMARY KEY("job","tick")
);
