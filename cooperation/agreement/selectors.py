"""Reads for the agreement pages, the source list and the items' traceability."""

from django.db.models import Count, Prefetch, Q, QuerySet

from cooperation import permissions
from cooperation.models import Agreement, Clause, CooperationItem, Source
from cooperation.models.agreement import SourceKind


def mark_article_only(agreements) -> None:
    """``article_only``: known only from the machine back-translated article (no source
    a reader could check confirms it). Needs ``sources`` prefetched."""
    for agreement in agreements:
        kinds = {source.kind for source in agreement.sources.all()}
        agreement.article_only = kinds == {SourceKind.MACHINE_TRANSLATION}


def agreement_list() -> list[Agreement]:
    """Every agreement with its parties, sources and clause count (four queries)."""
    agreements = list(
        Agreement.objects.annotate(clause_count=Count("clauses"))
        .prefetch_related(
            "parties", Prefetch("sources", queryset=Source.objects.order_by("sort_order"))
        )
        .order_by("-signed_on", "pk")
    )
    mark_article_only(agreements)
    return agreements


def agreement_detail(*, pk: int, user) -> Agreement:
    """One agreement with its clauses, each with its sources and the items ``user`` sees
    implementing it (a fixed number of queries, however many clauses)."""
    visible = permissions.restrict_items(user, "view").only("pk", "code", "title_zh", "title_en")
    agreement = Agreement.objects.prefetch_related(
        "parties",
        "predecessors__sources",
        Prefetch("sources", queryset=Source.objects.order_by("sort_order")),
        Prefetch(
            "clauses",
            queryset=Clause.objects.order_by("sort_order").prefetch_related(
                Prefetch("sources", queryset=Source.objects.order_by("sort_order")),
                Prefetch("items", queryset=visible.order_by("sort_order", "code")),
            ),
        ),
    ).get(pk=pk)
    mark_article_only([agreement, *agreement.predecessors.all()])
    return agreement


def source_list() -> QuerySet:
    return Source.objects.order_by("sort_order", "code").prefetch_related("agreements")


def clause_choices() -> QuerySet:
    """The clauses the item list filters by (``ItemFilter.clause``)."""
    return Clause.objects.select_related("agreement").order_by("agreement_id", "sort_order")


def items_implementing(queryset: QuerySet, clause: Clause) -> QuerySet:
    """Items of ``queryset`` that implement ``clause`` or one of its sub-clauses."""
    numbers = Q(number=clause.number) | Q(number__startswith=clause.number + ".")
    clauses = Clause.objects.filter(numbers, agreement_id=clause.agreement_id)
    linked = CooperationItem.objects.filter(clauses__in=clauses).values("pk")
    return queryset.filter(pk__in=linked)


def item_clauses(item: CooperationItem) -> list[Clause]:
    """The clauses an item implements, with their sources (two queries)."""
    return list(
        item.clauses.order_by("sort_order").prefetch_related(
            Prefetch("sources", queryset=Source.objects.order_by("sort_order"))
        )
    )
