/// The words the screen shows and the voice says for an `Announcement`, in Chinese and English
/// (docs/decisions.md, "What the visitor is told"). Every `switch` here is exhaustive on purpose: a new
/// signal or reason does not compile until it has its words.
public enum VisitorLanguage: String, Sendable, CaseIterable, Codable {
    case zh, en
    /// Chinese first, then English.
    case both

    /// The languages shown or spoken, in order.
    public var languages: [VisitorLanguage] {
        switch self {
        case .zh: return [.zh]
        case .en: return [.en]
        case .both: return [.zh, .en]
        }
    }
}

/// The screen's colour for a signal. Never the only signal: each tone comes with a word and a symbol.
public enum VisitorTone: String, Sendable, CaseIterable {
    case neutral, go, caution, stop, alarm
    /// The gate itself is out of order: not a judgement on the visitor.
    case outOfOrder = "out_of_order"
}

/// A shape drawn beside the headline so the decision is legible without colour (and without reading).
public enum VisitorSymbol: String, Sendable, CaseIterable {
    case qrCode = "qr_code"
    case thermometer
    case tick
    case cross
    case exclamation
    case wrench
    case exit
}

/// One screen's words in one language.
public struct ScreenWords: Sendable, Equatable {
    public var headline: String
    /// Why (a refusal's reasons, an admission's note), one line each, most important first.
    public var reasons: [String]
    /// Masked name, temperature, test age, vaccination, occupancy: label and value.
    public var details: [String]
}

public enum VisitorWords {
    public static let maximumReasonsShown = 3

    public static func tone(_ signal: Signal) -> VisitorTone {
        switch signal {
        case .ready, .measuring, .verifying: return .neutral
        // An admission is green even with the vaccination prompt: the visitor may go; the words carry the prompt.
        case .admitted, .admittedPrompt: return .go
        case .refusedYellow, .capacityFull: return .caution
        case .refused, .feverClinic: return .stop
        case .fault: return .outOfOrder
        case .emergencyOpen: return .alarm
        }
    }

    public static func symbol(_ signal: Signal) -> VisitorSymbol {
        switch signal {
        case .ready, .verifying: return .qrCode
        case .measuring: return .thermometer
        case .admitted, .admittedPrompt: return .tick
        case .refused, .refusedYellow, .feverClinic: return .cross
        case .capacityFull: return .exclamation
        case .fault: return .wrench
        case .emergencyOpen: return .exit
        }
    }

    public static func headline(_ signal: Signal, _ language: VisitorLanguage) -> String {
        let zh = language != .en
        switch signal {
        case .ready: return zh ? "请出示健康码" : "Please show your health code"
        case .measuring: return zh ? "正在测量体温，请稍候" : "Taking your temperature, please wait"
        case .verifying: return zh ? "正在核验，请稍候" : "Checking your code, please wait"
        case .admitted: return zh ? "请通行" : "Please enter"
        case .admittedPrompt: return zh ? "请通行，请尽快接种疫苗" : "Please enter, and get vaccinated soon"
        case .refused: return zh ? "禁止通行" : "Entry refused"
        case .refusedYellow: return zh ? "黄码，禁止通行" : "Yellow code: entry refused"
        case .capacityFull: return zh ? "场所已满，请稍候" : "The venue is full, please wait"
        case .feverClinic: return zh ? "体温异常，请前往发热门诊" : "High temperature: please go to the fever clinic"
        case .fault: return zh ? "设备故障，请联系工作人员" : "Out of order: please ask the staff"
        case .emergencyOpen: return zh ? "紧急疏散，闸门已打开" : "Emergency: the gate is open, please leave"
        }
    }

    /// A reason in plain words; `announcement` supplies the figures (the temperature, the test's age).
    public static func reason(_ reason: Reason, _ announcement: Announcement, _ language: VisitorLanguage) -> String {
        let zh = language != .en
        switch reason {
        case .redCode: return zh ? "红码" : "Red code"
        case .yellowCode: return zh ? "黄码" : "Yellow code"
        case .expired: return zh ? "健康码已过期，请刷新" : "The code has expired: refresh it"
        case .notYetValid: return zh ? "健康码尚未生效" : "The code is not valid yet"
        case .badSignature: return zh ? "健康码无效（签名不符）" : "Invalid code (signature does not match)"
        case .unknownIssuer: return zh ? "无法识别发码机构" : "Code from an unknown issuer"
        case .keyUsage: return zh ? "此码类型不能用于通行" : "This kind of code is not accepted here"
        case .replayed: return zh ? "此码刚刚已通行" : "This code was used a moment ago"
        case .unreadable: return zh ? "二维码无法识别" : "The QR code cannot be read"
        case .unsupportedFormat: return zh ? "不支持此种二维码" : "This kind of QR code is not supported"
        case .clockUnsynced: return zh ? "闸机时间未校准，请联系工作人员" : "The gate's clock is not set: ask the staff"
        case .fever:
            if let celsius = announcement.temperature {
                return zh ? "体温 \(oneDecimal(celsius)) °C，体温过高" : "Temperature \(oneDecimal(celsius)) °C: too high"
            }
            return zh ? "体温过高" : "Temperature too high"
        case .noReading: return zh ? "未测到体温，请靠近测温区" : "No temperature reading: step closer"
        case .sensorFault: return zh ? "测温设备故障" : "The thermometer is out of order"
        case .cameraFault: return zh ? "摄像头故障" : "The camera is out of order"
        case .logFault: return zh ? "通行记录无法保存，请联系工作人员" : "The entry cannot be recorded: ask the staff"
        case .natMissing: return zh ? "无核酸检测记录" : "No nucleic-acid test on record"
        case .natExpired:
            if let hours = announcement.nucleicAcidAgeHours, hours.isFinite, hours >= 0 {
                return zh ? "核酸检测已超时（\(Int(hours)) 小时前）" : "Nucleic-acid test too old (\(Int(hours)) h ago)"
            }
            return zh ? "核酸检测已超时" : "Nucleic-acid test too old"
        case .natPositive: return zh ? "核酸检测阳性，请联系工作人员" : "Nucleic-acid test positive: ask the staff"
        case .notVaccinated: return zh ? "请接种疫苗后通行" : "Vaccination required"
        case .vaccinationPrompt: return zh ? "请尽快接种疫苗" : "Please get vaccinated soon"
        case .capacityFull: return zh ? "场所人数已满" : "The venue is at its limit"
        case .gpioFault: return zh ? "闸门故障" : "The gate cannot open"
        case .revoked: return zh ? "健康码已被撤销" : "The code has been revoked"
        case .staleBundle: return zh ? "闸机数据未更新，请联系工作人员" : "The gate's county data is out of date: ask the staff"
        case .platformUnavailable: return zh ? "健康码平台暂不可用，请联系工作人员" : "The health-code platform is unavailable: ask the staff"
        case .unverified: return zh ? "未能在线核验，已登记" : "Not checked online: your entry is registered"
        case .unknownToken: return zh ? "平台查无此码，请刷新健康码" : "The platform does not know this code: refresh it"
        }
    }

    public static func device(_ source: FaultSource, _ language: VisitorLanguage) -> String {
        let zh = language != .en
        switch source {
        case .camera: return zh ? "摄像头" : "camera"
        case .thermometer: return zh ? "测温仪" : "thermometer"
        case .gpio: return zh ? "闸门" : "gate outputs"
        case .clock: return zh ? "时钟" : "clock"
        case .log: return zh ? "通行记录" : "entry log"
        case .trust: return zh ? "数据包" : "county data"
        }
    }

    /// The screen's words in one language (`.both` is the caller's: it lays out one block per language).
    public static func screen(_ announcement: Announcement, _ language: VisitorLanguage) -> ScreenWords {
        let zh = language != .en
        var details: [String] = []
        if Announcement.isDecision(announcement.signal) {
            if let name = announcement.maskedName { details.append(zh ? "姓名 \(name)" : "Name \(name)") }
            if let celsius = announcement.temperature { details.append(zh ? "体温 \(oneDecimal(celsius)) °C" : "Temperature \(oneDecimal(celsius)) °C") }
            if let hours = announcement.nucleicAcidAgeHours, hours.isFinite, hours >= 0 {
                details.append(zh ? "核酸 \(Int(hours)) 小时前" : "Test \(Int(hours)) h ago")
            }
            if let doses = announcement.vaccinationDoses {
                details.append(zh ? "疫苗 \(doses) 剂" : "Vaccine \(doses) dose\(doses == 1 ? "" : "s")")
            }
        }
        if let limit = announcement.maximumOccupancy {
            details.append(zh ? "场所人数 \(announcement.occupancy)/\(limit)" : "Occupancy \(announcement.occupancy)/\(limit)")
        }
        // A visitor reads three reasons at most; the rest are for the staff (and the log).
        var reasons = announcement.reasons.prefix(maximumReasonsShown).map { reason($0, announcement, language) }
        let more = announcement.reasons.count - maximumReasonsShown
        if more > 0 { reasons.append(zh ? "另有 \(more) 项原因，请联系工作人员" : "\(more) more reason\(more == 1 ? "" : "s"): ask the staff") }
        if announcement.signal == .fault && !announcement.faults.isEmpty {
            let devices = announcement.faults.map { device($0, language) }
            reasons.append(zh ? "故障：" + devices.joined(separator: "、") : "Fault: " + devices.joined(separator: ", "))
        }
        return ScreenWords(headline: headline(announcement.signal, language), reasons: reasons, details: details)
    }

    /// The spoken prompt's clips, by name, in order (the clip directory holds `LANG/NAME.wav`). Figures are
    /// not spoken (clips are recorded ahead); the screen shows them. Ready and measuring are silent: the
    /// screen asks, and a voice at every idle moment would drown the decisions.
    public static func clips(_ announcement: Announcement) -> [String] {
        switch announcement.signal {
        case .ready, .measuring: return []
        case .admitted, .admittedPrompt:
            return ["signal-\(announcement.signal.rawValue)"]
        case .refused, .refusedYellow, .capacityFull, .feverClinic:
            // The first reason says why; the signal says what to do.
            let why = announcement.reasons.first.map { ["reason-\($0.rawValue)"] } ?? []
            let redundant = announcement.signal == .refusedYellow || announcement.signal == .capacityFull
            return (redundant ? [] : why) + ["signal-\(announcement.signal.rawValue)"]
        // The platform may take a second or more (docs/platform-api.md): say so, or the visitor walks off.
        case .verifying, .fault, .emergencyOpen:
            return ["signal-\(announcement.signal.rawValue)"]
        }
    }

    /// Every clip a venue must supply (or `healthgate-dev voice` generates) and its words in one language.
    public static func allClips(_ language: VisitorLanguage) -> [(name: String, text: String)] {
        let blank = Announcement(signal: .refused)
        let signals = Signal.allCases.filter { !clips(Announcement(signal: $0)).isEmpty }
            .map { (name: "signal-\($0.rawValue)", text: spokenHeadline($0, language)) }
        let reasons = Reason.allCases.map { (name: "reason-\($0.rawValue)", text: reason($0, blank, language)) }
        return signals + reasons
    }

    private static func spokenHeadline(_ signal: Signal, _ language: VisitorLanguage) -> String {
        switch signal {
        case .admitted: return language == .en ? "Please enter" : "体温正常，请通行"
        case .ready, .measuring, .verifying, .admittedPrompt, .refused, .refusedYellow, .capacityFull, .feverClinic, .fault, .emergencyOpen:
            return headline(signal, language)
        }
    }

    /// 37.849 → "37.8" without Foundation (GateCore has none).
    static func oneDecimal(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        let tenths = Int((value * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        return "\(sign)\(abs(tenths) / 10).\(abs(tenths) % 10)"
    }
}
