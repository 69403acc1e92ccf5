"""Imports every table module so SQLModel.metadata (and Alembic) sees all tables."""
from hotline.assist import models as assist_models  # noqa: F401
from hotline.audit import models as audit_models  # noqa: F401
from hotline.auth import models as auth_models  # noqa: F401
from hotline.cases import models as cases_models  # noqa: F401
from hotline.contacts import models as contacts_models  # noqa: F401
from hotline.deadlines import models as deadlines_models  # noqa: F401
from hotline.directory import models as directory_models  # noqa: F401
from hotline.followup import models as followup_models  # noqa: F401
from hotline.policy import models as policy_models  # noqa: F401
from hotline.quality import models as quality_models  # noqa: F401
from hotline.queue import models as queue_models  # noqa: F401
from hotline.referrals import models as referrals_models  # noqa: F401
from hotline.revisions import models as revisions_models  # noqa: F401
from hotline.roster import models as roster_models  # noqa: F401
from hotline.supervision import models as supervision_models  # noqa: F401
from hotline.voice import models as voice_models  # noqa: F401
from hotline.wechat import models as wechat_models  # noqa: F401
