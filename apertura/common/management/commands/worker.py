from django.core.management.base import CommandError
from django_tasks_db.management.commands import db_worker

from apertura.common import worker


class Command(db_worker.Command):
    help = ("Run the background worker: ingests, e-mails, harvests. It survives database outages, writes a heartbeat, "
            "and retries or fails the tasks of workers that died. Processes every queue unless told otherwise.")

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(queue_name="*", worker_id=None, reload=False)

    def configure_logging(self, verbosity: int) -> None:
        super().configure_logging(verbosity)
        import logging

        ours = logging.getLogger("apertura.worker")
        ours.setLevel(logging.CRITICAL if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG)

    def handle(self, *, verbosity, queue_name, interval, batch, backend_name, startup_delay, reload, max_tasks,
               worker_id, exclude_queues, **options):
        self.configure_logging(verbosity)
        if reload:
            raise CommandError("`apertura worker` does not reload on code changes; use `apertura db_worker --reload` "
                               "while developing.")
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker.start(queue_names=queue_names, excluded_queue_names=excluded, interval=interval, batch=batch,
                     backend_name=backend_name, startup_delay=startup_delay, max_tasks=max_tasks,
                     worker_id=worker_id or worker.default_worker_id())
