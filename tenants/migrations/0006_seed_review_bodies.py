"""The city's review bodies and each existing agency's default 上级机关 (信访工作条例 arts. 35-36), so
that an installation migrated from before the review hierarchy reviews by the level above at once."""

from django.db import migrations


def seed(apps, schema_editor):
    from tenants.city import DEFAULT_REVIEW_BODY, REVIEW_BODIES

    Agency = apps.get_model("tenants", "Agency")
    ReviewBody = apps.get_model("tenants", "ReviewBody")
    agencies = {a.code: a for a in Agency.objects.all()}
    bodies = {}
    for spec in REVIEW_BODIES:
        body, _created = ReviewBody.objects.get_or_create(
            code=spec.code,
            defaults={"name_zh": spec.name_zh, "name_en": spec.name_en, "agency": agencies.get(spec.agency)},
        )
        bodies[spec.code] = body
    for spec in REVIEW_BODIES:
        if spec.above:
            ReviewBody.objects.filter(code=spec.code, above__isnull=True).update(above=bodies[spec.above])
    for kind, code in DEFAULT_REVIEW_BODY.items():
        Agency.objects.filter(kind=kind, review_body__isnull=True).update(review_body=bodies[code])


class Migration(migrations.Migration):
    dependencies = [("tenants", "0005_review_hierarchy")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
