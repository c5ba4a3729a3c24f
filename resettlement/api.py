"""The resettlement API (stubs until built): the responsibility calculation, and custody
episodes with their screening and plan (prison and partner systems post receptions, moves
and releases; providers read what their scope allows)."""

from rest_framework.response import Response
from rest_framework.views import APIView

from probation import access, audit
from resettlement import custody


class ResettlementResponsibilityView(APIView):
    def post(self, request):
        return Response({}, status=400)


class CustodyEpisodeListView(APIView):
    def get(self, request):
        return Response({"results": []})


class PersonCustodyEpisodeListView(APIView):
    def get(self, request, crn):
        person = access.person_for_view(request.user, crn)
        audit.record_view(actor=request.user, instance=person)
        return Response({"results": []})


class CustodyEpisodeDetailView(APIView):
    def get(self, request, crn, episode_id):
        episode = custody.episode_of(request.user, crn, episode_id)
        audit.record_view(actor=request.user, instance=episode.person)
        return Response({"id": episode.pk})


class MoveView(APIView):
    def get(self, request, crn, episode_id):
        episode = custody.episode_of(request.user, crn, episode_id)
        audit.record_view(actor=request.user, instance=episode.person)
        return Response({"results": []})

    def post(self, request, crn, episode_id):
        episode = custody.episode_of(request.user, crn, episode_id)
        audit.record_view(actor=request.user, instance=episode.person)
        return Response({}, status=400)


class ReleaseView(APIView):
    def get(self, request, crn, episode_id):
        episode = custody.episode_of(request.user, crn, episode_id)
        audit.record_view(actor=request.user, instance=episode.person)
        return Response({})

    def post(self, request, crn, episode_id):
        episode = custody.episode_of(request.user, crn, episode_id)
        audit.record_view(actor=request.user, instance=episode.person)
        return Response({}, status=400)
