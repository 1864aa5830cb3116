"""Phone and address of the real-name profile: encrypted columns (config.crypto.EncryptedTextField),
and the plaintext of existing rows encrypted in place."""

from django.db import migrations

import config.crypto


def encrypt_existing(apps, schema_editor):
    table = apps.get_model("accounts", "CitizenProfile")._meta.db_table
    config.crypto.encrypt_plaintext_columns(schema_editor.connection, table, ("phone", "address"))


def decrypt_existing(apps, schema_editor):
    table = apps.get_model("accounts", "CitizenProfile")._meta.db_table
    config.crypto.decrypt_columns(schema_editor.connection, table, ("phone", "address"))


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_citizen_profile"),
    ]

    operations = [
        migrations.AlterField(
            model_name="citizenprofile",
            name="phone",
            field=config.crypto.EncryptedTextField(verbose_name="手机号码"),
        ),
        migrations.AlterField(
            model_name="citizenprofile",
            name="address",
            field=config.crypto.EncryptedTextField(verbose_name="联系地址"),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing, elidable=False),
    ]
