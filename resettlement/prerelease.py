"""Pre-release work: the tasks the 12-week window opens, and the prison's requests for a
home circumstances report (HDC) or ROTL input (stub until built)."""

from resettlement.models import CustodyEpisode, PreReleaseTask


def tasks_of(episode: CustodyEpisode):
    """The episode's tasks for its page, soonest due first."""
    return (
        PreReleaseTask.objects.filter(episode=episode)
        .select_related("owner")
        .order_by("due_by", "pk")
    )
