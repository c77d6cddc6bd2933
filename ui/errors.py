"""A failure, worded at the screen: a :class:`~checkpoint.errors.Problem` code and its
parameters become one sentence in the desk's language through Qt's translation (en.ts), the
same mechanism as every other string here. An error without a code shows its own sentence.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from checkpoint.domain import Role
from checkpoint.errors import CheckpointError, Problem
from checkpoint.team.auth import Permission

translate = QCoreApplication.translate  # lupdate reads translate("Problems", "…")


def _texts() -> dict[str, str]:
    """Every code's sentence (the fields are the parameters it carries, checkpoint.errors) and
    every permission's words, in the screen's language."""
    # fmt: off
    return {
        Permission.RUN_INSPECTION: translate("Problems", "查验车辆"),
        Permission.OPEN_CLOSE_SHIFT: translate("Problems", "开班或关班"),
        Permission.OVERRIDE_DISPOSITION: translate("Problems", "更改分流建议"),
        Permission.CORRECT_RECORD: translate("Problems", "更正记录"),
        Permission.PRINT_REPORT: translate("Problems", "打印报表"),
        Permission.EXPORT: translate("Problems", "导出数据"),
        Permission.MANAGE_STAFF: translate("Problems", "管理人员"),
        Permission.MANAGE_POLICY: translate("Problems", "管理查验政策"),
        Permission.MANAGE_TRUST: translate("Problems", "管理信任证书"),
        Permission.MANAGE_RETENTION: translate("Problems", "管理数据保留与清除"),
        Problem.UNKNOWN_STAFF: translate("Problems", "没有名为 {name} 的在岗人员"),
        Problem.NO_PIN_SET: translate("Problems", "{name} 尚未设置 PIN,请点长设置"),
        Problem.WRONG_PIN: translate("Problems", "PIN 错误,还可尝试 {left} 次"),
        Problem.WRONG_PIN_UNCOUNTED: translate("Problems", "PIN 错误"),
        Problem.TOO_MANY_TRIES: translate("Problems", "PIN 错误次数过多,账号已锁定至 {until}"),
        Problem.ACCOUNT_LOCKED: translate("Problems", "账号已锁定至 {until}"),
        Problem.LANE_LOCKED: translate("Problems", "本车道登录已锁定至 {until},请点长解锁"),
        Problem.SECRET_BLANK: translate("Problems", "PIN/密码不能为空,也不能以空格开头或结尾"),
        Problem.PIN_TOO_SHORT: translate("Problems", "PIN 至少 {digits} 位数字"),
        Problem.PASSWORD_TOO_SHORT: translate("Problems", "密码至少 {chars} 个字符"),
        Problem.ADMIN_EXISTS: translate("Problems", "已有点长账号,请用点长账号添加人员"),
        Problem.UNKNOWN_ROLE: translate("Problems", "{name} 的角色无效"),
        Problem.ACCOUNT_DISABLED: translate("Problems", "{name} 的账号已停用,不能{permission}"),
        Problem.NOT_PERMITTED: translate("Problems", "{role}{name} 无权{permission}"),
        Problem.SHIFT_ALREADY_OPEN: translate(
            "Problems", "{duty_date} 第 {shift} 班已经开班,请直接登录加入"),
        Problem.SHIFT_ALREADY_HANDED_OVER: translate(
            "Problems", "{duty_date} 第 {shift} 班已开过并已交班,同一班次不能再开"),
        Problem.SHIFT_ALREADY_CLOSED: translate("Problems", "{duty_date} 第 {shift} 班已经交班"),
        Problem.SHIFT_CLOSES_BEFORE_OPENING: translate(
            "Problems", "{duty_date} 第 {shift} 班不能早于开班时间交班,请检查电脑时钟"),
        Problem.SHIFT_CLOSED: translate("Problems", "{duty_date} 第 {shift} 班已交班,不能再加入"),
        Problem.NO_SUCH_SHIFT: translate("Problems", "没有这个班次"),
        Problem.NO_SHIFT_PLAN: translate("Problems", "本站尚未设置排班,请先运行 checkpoint init"),
        Problem.NOT_ON_STAFF: translate("Problems", "{name} 不在本站人员名单中"),
        Problem.NAME_MISSING: translate("Problems", "请填写姓名"),
        Problem.STAFF_ON_SERVER: translate(
            "Problems", "本车道的人员名单由卡口服务器管理,请在服务器上修改"),
        Problem.NAME_TAKEN: translate("Problems", "已有名为 {name} 的人员"),
        Problem.LAST_POINT_CHIEF: translate(
            "Problems", "{name} 是唯一的在岗点长,请先添加另一位点长"),
        Problem.ALREADY_HAS_ROLE: translate("Problems", "{name} 已经是{role}"),
        Problem.RETIRE_SELF: translate("Problems", "不能停用自己的账号,请另一位点长操作"),
        Problem.ALREADY_RETIRED: translate("Problems", "{name} 的账号已停用"),
        Problem.DB_LOCKED: translate("Problems", "数据库被其他程序锁定,请稍后再试({where})"),
        Problem.DB_READ_ONLY: translate("Problems", "数据库只读,请检查文件权限({where})"),
        Problem.DB_FULL: translate(
            "Problems", "数据库已满(磁盘或容量上限),请清理空间后重试({where})"),
        Problem.DB_CANNOT_OPEN: translate(
            "Problems", "无法打开数据库文件,请检查路径和权限({where})"),
        Problem.DB_CONNECTION_LOST: translate(
            "Problems", "与数据库服务器的连接断开,这一步没有保存,请重试({where})"),
        Problem.DB_UNREACHABLE: translate("Problems", "连不上数据库服务器 {where}({detail})"),
        Problem.DB_MISSING: translate("Problems", "数据库 {where} 不存在,请先创建({detail})"),
        Problem.DB_LOGIN_REJECTED: translate(
            "Problems", "数据库服务器拒绝了 {where} 的用户名或密码"),
        Problem.DB_OTHER: translate("Problems", "数据库错误({where}): {detail}"),
        Problem.DB_FILE_REMOVED: translate(
            "Problems",
            "运行中数据库文件 {where} 被删除,之后的内容不会保存:请放回文件(或恢复备份)后重启"),
        Problem.DB_FILE_REPLACED: translate(
            "Problems", "运行中数据库文件 {where} 被替换,之后的内容不会保存:请重启以使用新文件"),
        Problem.DB_SITE_REPLACED: translate(
            "Problems", "数据库 {where} 已不是本站的数据库(运行中被替换),之后的内容不会保存"),
        Problem.DB_OUT_OF_DATE: translate(
            "Problems", "数据库 {where} 尚未初始化或版本过旧,请先运行 checkpoint init"),
        Problem.RESPONSE_CLOSED: translate("Problems", "这次 136 应急处置已经结束"),
        Problem.MEASURE_ALREADY_DONE: translate("Problems", "“{measure}”已经记录完成"),
        Problem.CLOSE_NEEDS_NOTE: translate(
            "Problems", "还有 {left} 项措施未完成:请先完成,或填写结束说明"),
        Problem.RESPONSE_ALREADY_STARTED: translate("Problems", "这辆车已经启动过 136 应急处置"),
        Problem.CORRECTION_NEEDS_REASON: translate("Problems", "更正须填写原因"),
        Problem.CORRECTION_SAME: translate("Problems", "新值与已保存的相同"),
        Problem.NO_SUCH_RECORD: translate("Problems", "没有这条记录"),
    }
    # fmt: on


def error_text(exc: CheckpointError, lang: str) -> str:
    """``exc`` as one sentence in the screen's language: its code's wording with its
    parameters (a role or a permission in words), else the sentence it carries."""
    if exc.code is None:
        return str(exc)
    texts, params = _texts(), dict(exc.params)
    if "role" in params:
        role = str(params["role"])
        params["role"] = Role(role).label(lang) if role in Role._value2member_map_ else role
    if "permission" in params:
        permission = str(params["permission"])
        params["permission"] = texts.get(permission, permission)
    return texts[exc.code].format_map(params)
