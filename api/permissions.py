"""API access: citizens on the portal host, members of the host's agency on a workspace host."""

from rest_framework.permissions import BasePermission

from accounts.access import agency_roles, staff_mfa_missing


class IsCitizenOnPortal(BasePermission):
    message = "请先登录网上信访大厅。"

    def has_permission(self, request, view) -> bool:
        tenant = getattr(request, "tenant", None)
        return bool(
            request.user and request.user.is_authenticated and tenant and tenant.schema_name == "public"
        )


class IsStaffOfHostAgency(BasePermission):
    """A member of the agency whose host this is, who has set up the staff second factor."""

    message = "您不是本单位的工作人员，或尚未设置动态口令。"

    def has_permission(self, request, view) -> bool:
        roles = agency_roles(request.user, getattr(request, "tenant", None))
        if not roles or staff_mfa_missing(request):
            return False
        request.agency_roles = roles
        return True
