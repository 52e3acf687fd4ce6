import Crypto
import GateCore
import SwiftASN1
import _CryptoExtras

/// The parts of a document-signer certificate the gate uses, read straight from its TBSCertificate.
///
/// The fallback for certificates `X509.Certificate(derEncoded:)` rejects: real DSCs are signed with
/// RSASSA-PSS parameters or an old ECDSA-with-SHA1 identifier, or carry extensions it does not model.
/// The gate never checks a DSC's own signature (trust is the file's presence in the trust directory), so
/// the key, the validity and the extended key usage are all it needs.
struct SignerCertificateFields {
    var publicKeyInfo: [UInt8]
    var notValidBefore: EpochSeconds
    var notValidAfter: EpochSeconds
    /// Dotted OIDs of the extended key usage; nil when the certificate has none.
    var extendedKeyUsage: [String]?
    /// The certificate's own signature algorithm, for the note that says what was not modelled.
    var signatureAlgorithm: String

    struct ParseError: Error { var message: String }

    static let extendedKeyUsageOID = "2.5.29.37"

    init(der: [UInt8]) throws(ParseError) {
        do {
            let certificate = try DER.parse(der)
            guard case .constructed(let parts) = certificate.content else { throw ParseError(message: "not a SEQUENCE") }
            var outer = parts.makeIterator()
            guard let tbs = outer.next(), case .constructed(let tbsParts) = tbs.content,
                  let algorithm = outer.next(), case .constructed(let algorithmParts) = algorithm.content,
                  let algorithmOID = algorithmParts.first(where: { _ in true }) else {
                throw ParseError(message: "no TBSCertificate / signatureAlgorithm")
            }
            signatureAlgorithm = try ASN1ObjectIdentifier(derEncoded: algorithmOID).description

            var fields = tbsParts.makeIterator()
            var next = fields.next()
            // version [0] EXPLICIT, optional
            if let node = next, node.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) { next = fields.next() }
            _ = next  // serialNumber
            _ = fields.next()  // signature AlgorithmIdentifier
            _ = fields.next()  // issuer
            guard let validity = fields.next(), case .constructed(let times) = validity.content else { throw ParseError(message: "no validity") }
            var timeIterator = times.makeIterator()
            guard let before = timeIterator.next(), let after = timeIterator.next() else { throw ParseError(message: "validity needs two times") }
            notValidBefore = try Self.time(before)
            notValidAfter = try Self.time(after)
            _ = fields.next()  // subject
            guard let spki = fields.next(), spki.identifier == .sequence else { throw ParseError(message: "no SubjectPublicKeyInfo") }
            publicKeyInfo = Array(spki.encodedBytes)

            extendedKeyUsage = nil
            while let node = fields.next() {
                // extensions [3] EXPLICIT SEQUENCE OF Extension; [1]/[2] unique IDs are skipped.
                guard node.identifier == ASN1Identifier(tagWithNumber: 3, tagClass: .contextSpecific),
                      case .constructed(let wrapper) = node.content, let list = wrapper.first(where: { _ in true }),
                      case .constructed(let extensions) = list.content else { continue }
                for extensionNode in extensions {
                    guard case .constructed(let items) = extensionNode.content else { throw ParseError(message: "malformed extension") }
                    let values = Array(items)
                    guard let id = values.first, let value = values.last, value.identifier == .octetString,
                          case .primitive(let bytes) = value.content else { throw ParseError(message: "malformed extension") }
                    guard try ASN1ObjectIdentifier(derEncoded: id).description == Self.extendedKeyUsageOID else { continue }
                    let usage = try DER.parse(bytes)
                    guard case .constructed(let oids) = usage.content else { throw ParseError(message: "malformed extended key usage") }
                    extendedKeyUsage = try oids.map { try ASN1ObjectIdentifier(derEncoded: $0).description }
                }
            }
        } catch let error as ParseError {
            throw error
        } catch {
            throw ParseError(message: "bad DER (\(error))")
        }
    }

    /// UTCTime (YYMMDDHHMMSSZ, years 1950–2049 per RFC 5280) or GeneralizedTime (YYYYMMDDHHMMSSZ).
    static func time(_ node: ASN1Node) throws(ParseError) -> EpochSeconds {
        guard case .primitive(let bytes) = node.content, let text = String(validating: Array(bytes), as: UTF8.self),
              text.hasSuffix("Z") else { throw ParseError(message: "validity time is not a UTC time") }
        var digits = String(text.dropLast())
        switch node.identifier {
        case .utcTime where digits.count == 12:
            guard let yy = Int(digits.prefix(2)) else { throw ParseError(message: "bad UTCTime") }
            digits = (yy >= 50 ? "19" : "20") + digits
        case .generalizedTime where digits.count == 14:
            break
        default:
            throw ParseError(message: "validity time is neither UTCTime nor GeneralizedTime")
        }
        let chars = Array(digits)
        func field(_ start: Int, _ length: Int) -> Int? { Int(String(chars[start..<start + length])) }
        guard let year = field(0, 4), let month = field(4, 2), let day = field(6, 2), let hour = field(8, 2),
              let minute = field(10, 2), let second = field(12, 2), (1...12).contains(month), (1...31).contains(day),
              hour < 24, minute < 60, second < 61 else { throw ParseError(message: "bad validity time \(text)") }
        return Double(Self.days(year: year, month: month, day: day) * 86_400 + hour * 3_600 + minute * 60 + second)
    }

    /// Days since 1970-01-01 (proleptic Gregorian), Howard Hinnant's days_from_civil.
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
