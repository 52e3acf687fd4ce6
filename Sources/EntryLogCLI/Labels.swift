import Foundation

/// Column and summary labels in the staff's language: Chinese when the locale (LC_ALL, LC_MESSAGES or LANG,
/// the first one set) starts with `zh`, English otherwise. Data values (reasons, decisions) stay machine-readable.
public enum Language: Sendable {
    case english, chinese

    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Language {
        for key in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let value = environment[key], !value.isEmpty { return value.lowercased().hasPrefix("zh") ? .chinese : .english }
        }
        return .english
    }
}

public enum Label: String, CaseIterable, Sendable {
    case seq, time, gate, kind, decision, reasons, event, format, issuer, colour, name, idNumber, subject
    case natAge, doses, temperature, remeasured, occupancy, clockSynced, fingerprint, rules, detail
    case period, attempts, admitted, refused, overrides, fevers, vaccinationPrompts, peakOccupancy, faults, refusedByReason
    case near, gapMinutes, companions, subjectAttempts
    case state, pid, occupancyLimit, fireAlarm, lastDecision, startedAt, updatedAt, uptime, frames, trustKeys, platform
    case rowsChecked, chainValid, chainBroken, headHash, startsAfter, events, unsynchronisedClock, firstSeq, lastSeq, lastHash
    case anchorFile, anchorsChecked, anchorNewest, anchorKey, anchorValid, anchorBroken, anchorTorn

    public func text(_ language: Language) -> String {
        switch language {
        case .english: return english
        case .chinese: return chinese
        }
    }

    private var english: String {
        switch self {
        case .seq: "seq"
        case .time: "time"
        case .gate: "gate"
        case .kind: "kind"
        case .decision: "decision"
        case .reasons: "reasons"
        case .event: "event"
        case .format: "format"
        case .issuer: "issuer"
        case .colour: "colour"
        case .name: "name"
        case .idNumber: "id number"
        case .subject: "subject"
        case .natAge: "NAT age (h)"
        case .doses: "doses"
        case .temperature: "temp °C"
        case .remeasured: "re-measured"
        case .occupancy: "occupancy"
        case .clockSynced: "clock synced"
        case .fingerprint: "fingerprint"
        case .rules: "rules"
        case .detail: "detail"
        case .period: "period"
        case .attempts: "attempts"
        case .admitted: "admitted"
        case .refused: "refused"
        case .overrides: "overrides"
        case .fevers: "fevers"
        case .vaccinationPrompts: "vaccination prompts"
        case .peakOccupancy: "peak occupancy"
        case .faults: "faults"
        case .refusedByReason: "refused by reason"
        case .near: "near subject row"
        case .gapMinutes: "gap (min)"
        case .companions: "companions"
        case .subjectAttempts: "subject's attempts"
        case .state: "state"
        case .pid: "pid"
        case .occupancyLimit: "occupancy limit"
        case .fireAlarm: "fire alarm"
        case .platform: "health-code platform"
        case .lastDecision: "last decision"
        case .startedAt: "started"
        case .updatedAt: "updated"
        case .uptime: "uptime"
        case .frames: "frames processed"
        case .trustKeys: "trust keys"
        case .rowsChecked: "rows checked"
        case .chainValid: "chain intact"
        case .chainBroken: "CHAIN BROKEN"
        case .headHash: "head hash"
        case .startsAfter: "starts after purged row"
        case .anchorFile: "anchor file"
        case .anchorsChecked: "anchors checked"
        case .anchorNewest: "newest anchor"
        case .anchorKey: "anchor key"
        case .anchorValid: "matches every anchor"
        case .anchorBroken: "ANCHOR NOT MATCHED"
        case .anchorTorn: "last anchor line"
        case .events: "events"
        case .unsynchronisedClock: "rows with unsynchronised clock"
        case .firstSeq: "first seq"
        case .lastSeq: "last seq"
        case .lastHash: "last hash"
        }
    }

    private var chinese: String {
        switch self {
        case .seq: "序号"
        case .time: "时间"
        case .gate: "闸机"
        case .kind: "类型"
        case .decision: "结果"
        case .reasons: "原因"
        case .event: "事件"
        case .format: "码制"
        case .issuer: "签发方"
        case .colour: "码色"
        case .name: "姓名"
        case .idNumber: "证件号"
        case .subject: "主体编号"
        case .natAge: "核酸时长(小时)"
        case .doses: "疫苗剂次"
        case .temperature: "体温°C"
        case .remeasured: "复测体温"
        case .occupancy: "在场人数"
        case .clockSynced: "时钟已同步"
        case .fingerprint: "码指纹"
        case .rules: "规则"
        case .detail: "说明"
        case .period: "时段"
        case .attempts: "通行尝试"
        case .admitted: "放行"
        case .refused: "拒绝"
        case .overrides: "人工放行"
        case .fevers: "发热"
        case .vaccinationPrompts: "接种提示"
        case .peakOccupancy: "最高在场人数"
        case .faults: "故障"
        case .refusedByReason: "拒绝原因统计"
        case .near: "邻近本人记录"
        case .gapMinutes: "间隔(分钟)"
        case .companions: "时空伴随人数"
        case .subjectAttempts: "本人通行记录"
        case .state: "状态"
        case .pid: "进程号"
        case .occupancyLimit: "人数上限"
        case .fireAlarm: "消防报警"
        case .platform: "健康码平台"
        case .lastDecision: "最近结果"
        case .startedAt: "启动时间"
        case .updatedAt: "更新时间"
        case .uptime: "运行时长"
        case .frames: "已处理帧数"
        case .trustKeys: "信任密钥"
        case .rowsChecked: "已校验记录"
        case .chainValid: "哈希链完整"
        case .chainBroken: "哈希链被破坏"
        case .headHash: "链尾哈希"
        case .startsAfter: "起始于已清理记录之后"
        case .anchorFile: "锚点文件"
        case .anchorsChecked: "已核对锚点"
        case .anchorNewest: "最新锚点"
        case .anchorKey: "锚点公钥"
        case .anchorValid: "与所有锚点一致"
        case .anchorBroken: "与锚点不符"
        case .anchorTorn: "最后一行锚点"
        case .events: "事件"
        case .unsynchronisedClock: "时钟未同步的记录"
        case .firstSeq: "首条序号"
        case .lastSeq: "末条序号"
        case .lastHash: "末条哈希"
        }
    }
}
