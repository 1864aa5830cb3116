"""Phone and address of the petitioner on every agency's copy of a case: encrypted columns
(config.crypto.EncryptedTextField), and the plaintext of existing rows encrypted in place.

Runs in every agency schema. On an empty schema the data step is a single SELECT, which the
provisioning journal does not record (tenants.provisioning), so replaying the journal and migrating
give the same schema."""

from django.db import migrations

import config.crypto


def encrypt_existing(apps, schema_editor):
    table = apps.get_model("cases", "Case")._meta.db_table
    config.crypto.encrypt_plaintext_columns(
        schema_editor.connection, table, ("petitioner_phone", "petitioner_address")
    )


def decrypt_existing(apps, schema_editor):
    table = apps.get_model("cases", "Case")._meta.db_table
    config.crypto.decrypt_columns(schema_editor.connection, table, ("petitioner_phone", "petitioner_address"))


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0003_event_deadlines_recalculated"),
    ]

    operations = [
        migrations.AlterField(
            model_name="case",
            name="petitioner_phone",
            field=config.crypto.EncryptedTextField(blank=True, verbose_name="联系电话"),
        ),
        migrations.AlterField(
            model_name="case",
            name="petitioner_address",
            field=config.crypto.EncryptedTextField(blank=True, verbose_name="联系地址"),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing, elidable=False),
    ]
