#include "mainwindow/session.h"

#include "alignscope/safetensors.h" // writeFileAtomically

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace alignscope::ui {
namespace {

const QString kFormat = QStringLiteral("alignscope-session");
constexpr qint64 kMaxBytes = 16 << 20; // far above any real session
constexpr qint64 kMaxPictureBytes = qint64(512) << 20; // a picture kept beside a session (PNG)
const QByteArray kPngSignature("\x89PNG\r\n\x1a\n", 8);

Error bad(const QString &message)
{
    return Error{ErrorKind::BadFile, message.toStdString()};
}

/// "intervention_history": a list of interventions, oldest first (absent: none).
Result<std::vector<Intervention>> interventionHistoryFromJson(const QJsonValue &value)
{
    std::vector<Intervention> history;
    if (value.isUndefined())
        return history;
    if (!value.isArray())
        return bad(QStringLiteral("the session's \"intervention_history\" must be a list of interventions"));
    const QJsonArray list = value.toArray();
    for (qsizetype i = 0; i < list.size(); ++i) {
        const QString field = QStringLiteral("\"intervention_history\" entry %1").arg(i + 1);
        if (!list[i].isObject())
            return bad(QStringLiteral("the session's %1 must be an object").arg(field));
        auto iv = interventionFromJson(list[i].toObject(), field);
        if (!iv)
            return iv.error();
        history.push_back(std::move(iv).value());
    }
    return history;
}

} // namespace

QStringList sessionColormaps()
{
    return {QStringLiteral("viridis"), QStringLiteral("magma"), QStringLiteral("cividis"), QStringLiteral("grayscale")};
}

QJsonObject selectionToJson(const HeadSelection &selection)
{
    const QJsonValue layer = selection.layer < 0 ? QJsonValue(QStringLiteral("last")) : QJsonValue(selection.layer + 1);
    QJsonValue head;
    switch (selection.reduce) {
    case HeadSelection::Reduce::Mean: head = QStringLiteral("mean"); break;
    case HeadSelection::Reduce::Max: head = QStringLiteral("max"); break;
    case HeadSelection::Reduce::Head: head = selection.head + 1; break;
    }
    return {{QStringLiteral("layer"), layer}, {QStringLiteral("head"), head}};
}

std::optional<HeadSelection> selectionFromJson(const QJsonObject &json)
{
    constexpr int kMost = 1024; // more layers or heads than any model has
    HeadSelection s;
    const QJsonValue layer = json.value(QStringLiteral("layer"));
    if (layer.isDouble() && layer.toDouble() == double(layer.toInt()) && layer.toInt() >= 1 && layer.toInt() <= kMost)
        s.layer = layer.toInt() - 1;
    else if (!layer.isUndefined() && layer.toString() != QLatin1String("last"))
        return std::nullopt;
    const QJsonValue head = json.value(QStringLiteral("head"));
    if (head.isDouble() && head.toDouble() == double(head.toInt()) && head.toInt() >= 1 && head.toInt() <= kMost) {
        s.reduce = HeadSelection::Reduce::Head;
        s.head = head.toInt() - 1;
    } else if (head.toString() == QLatin1String("max")) {
        s.reduce = HeadSelection::Reduce::Max;
    } else if (!head.isUndefined() && head.toString() != QLatin1String("mean")) {
        return std::nullopt;
    }
    return s;
}

QJsonObject interventionToJson(const Intervention &iv)
{
    QJsonArray edits, dropped, ablated;
    for (const AttentionEdit &e : iv.edits) {
        QJsonObject o{{QStringLiteral("step"), e.step},
                      {QStringLiteral("layer"), e.layer},
                      {QStringLiteral("head"), e.head},
                      {QStringLiteral("position"), e.position}};
        if (e.position < 0) {
            QJsonArray w;
            for (Eigen::Index j = 0; j < e.weights.size(); ++j)
                w.append(double(e.weights[j]));
            o.insert(QStringLiteral("weights"), w);
        }
        edits.append(o);
    }
    for (int j : iv.droppedSource)
        dropped.append(j);
    for (const HeadRef &r : iv.ablatedHeads)
        ablated.append(QJsonObject{{QStringLiteral("layer"), r.layer}, {QStringLiteral("head"), r.head}});
    return {{QStringLiteral("edits"), edits},
            {QStringLiteral("dropped_source"), dropped},
            {QStringLiteral("ablated_heads"), ablated}};
}

Result<Intervention> interventionFromJson(const QJsonObject &json, const QString &field)
{
    constexpr int kMost = 1 << 20;
    auto whole = [](const QJsonValue &v, int lo, int &out) {
        if (!v.isDouble() || v.toDouble() != double(v.toInt()) || v.toInt() < lo || v.toInt() > kMost)
            return false;
        out = v.toInt();
        return true;
    };
    const QString what = QStringLiteral("the session's %1 ").arg(field);
    Intervention iv;
    for (const QJsonValue v : json.value(QStringLiteral("edits")).toArray()) {
        const QJsonObject o = v.toObject();
        AttentionEdit e;
        if (!v.isObject() || !whole(o.value(QStringLiteral("step")), 0, e.step)
            || !whole(o.value(QStringLiteral("layer")), -1, e.layer) || !whole(o.value(QStringLiteral("head")), -1, e.head)
            || !whole(o.value(QStringLiteral("position")), -1, e.position))
            return bad(what + QStringLiteral("has an edit without a whole \"step\", \"layer\", \"head\" and \"position\""));
        const QJsonArray w = o.value(QStringLiteral("weights")).toArray();
        if (e.position < 0 && w.isEmpty())
            return bad(what + QStringLiteral("has an edit with neither a \"position\" nor \"weights\""));
        e.weights.resize(e.position < 0 ? w.size() : 0);
        for (Eigen::Index j = 0; j < e.weights.size(); ++j) {
            if (!w[int(j)].isDouble())
                return bad(what + QStringLiteral("has an edit whose \"weights\" are not numbers"));
            e.weights[j] = float(w[int(j)].toDouble());
        }
        iv.edits.push_back(std::move(e));
    }
    for (const QJsonValue v : json.value(QStringLiteral("dropped_source")).toArray()) {
        int j = 0;
        if (!whole(v, 0, j))
            return bad(what + QStringLiteral("\"dropped_source\" must be a list of source positions"));
        iv.droppedSource.push_back(j);
    }
    for (const QJsonValue v : json.value(QStringLiteral("ablated_heads")).toArray()) {
        HeadRef r;
        if (!v.isObject() || !whole(v.toObject().value(QStringLiteral("layer")), 0, r.layer)
            || !whole(v.toObject().value(QStringLiteral("head")), -1, r.head))
            return bad(what + QStringLiteral("\"ablated_heads\" must be a list of {\"layer\", \"head\"}"));
        iv.ablatedHeads.push_back(r);
    }
    return iv;
}

QByteArray sessionToJson(const Session &s)
{
    QJsonArray prefix;
    for (int id : s.prefix)
        prefix.append(id);
    const QJsonObject heatmap{{QStringLiteral("colormap"), s.colormap},
                              {QStringLiteral("hide_special"), s.hideSpecial},
                              {QStringLiteral("renormalise"), s.renormalise},
                              {QStringLiteral("log_scale"), s.logScale},
                              {QStringLiteral("merge_words"), s.mergeWords}};
    const bool besideFile = s.imageFile.isEmpty() && !s.imagePngFile.isEmpty();
    QJsonObject root{{QStringLiteral("format"), kFormat},
                           {QStringLiteral("version"), besideFile ? Session::kVersion : 3},
                           {QStringLiteral("model"), s.model},
                           {QStringLiteral("sentence"), s.sentence},
                           {QStringLiteral("history"), QJsonArray::fromStringList(s.history)},
                           {QStringLiteral("beam_width"), s.beamWidth},
                           {QStringLiteral("prefix"), prefix},
                           {QStringLiteral("step"), s.step},
                           {QStringLiteral("speed"), s.speed},
                           {QStringLiteral("heatmap"), heatmap},
                           {QStringLiteral("attention"), selectionToJson(s.selection)},
                           {QStringLiteral("layout"), s.layout},
                           {QStringLiteral("window_state"), QString::fromLatin1(s.windowState.toBase64())}};
    if (!s.audio.isEmpty()) // version 3
        root.insert(QStringLiteral("audio"), s.audio);
    if (!s.imageFile.isEmpty())
        root.insert(QStringLiteral("image"), QJsonObject{{QStringLiteral("file"), s.imageFile}});
    else if (besideFile) // version 4
        root.insert(QStringLiteral("image"), QJsonObject{{QStringLiteral("png_file"), s.imagePngFile},
                                                         {QStringLiteral("label"), s.imageLabel}});
    else if (!s.imagePng.isEmpty())
        root.insert(QStringLiteral("image"), QJsonObject{{QStringLiteral("png"), QString::fromLatin1(s.imagePng.toBase64())},
                                                         {QStringLiteral("label"), s.imageLabel}});
    if (!s.intervention.empty()) // a field added in version 1: older readers decode without it
        root.insert(QStringLiteral("intervention"), interventionToJson(s.intervention));
    if (!s.interventionHistory.empty()) { // version 2
        QJsonArray history;
        for (const Intervention &iv : s.interventionHistory)
            history.append(interventionToJson(iv));
        root.insert(QStringLiteral("intervention_history"), history);
    }
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

Result<Session> sessionFromJson(const QByteArray &json)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &parseError);
    if (doc.isNull())
        return bad(QStringLiteral("not a session file: JSON error at byte %1 (%2)")
                       .arg(parseError.offset)
                       .arg(parseError.errorString()));
    const QJsonObject o = doc.object();
    if (!doc.isObject() || o.value(QStringLiteral("format")).toString() != kFormat)
        return bad(QStringLiteral("not an AlignScope session file (no \"format\": \"alignscope-session\")"));
    const QJsonValue version = o.value(QStringLiteral("version"));
    if (!version.isDouble() || version.toInt() < 1)
        return bad(QStringLiteral("the session file has no valid \"version\""));
    if (version.toInt() > Session::kVersion)
        return bad(QStringLiteral("the session was saved by a newer AlignScope (session version %1; this one reads "
                                  "up to %2): update AlignScope to open it")
                       .arg(version.toInt())
                       .arg(Session::kVersion));

    Session s;
    // Every field is checked before anything is used: a bad one refuses the whole file.
    auto text = [&](const char *key, QString &out) -> bool {
        const QJsonValue v = o.value(QLatin1String(key));
        if (v.isUndefined())
            return true;
        if (!v.isString())
            return false;
        out = v.toString();
        return true;
    };
    auto integer = [&](const QJsonValue &v, int lo, int hi, int &out) -> bool {
        if (v.isUndefined())
            return true;
        if (!v.isDouble() || v.toDouble() != double(v.toInt()) || v.toInt() < lo || v.toInt() > hi)
            return false;
        out = v.toInt();
        return true;
    };
    auto flag = [](const QJsonValue &v, bool &out) -> bool {
        if (v.isUndefined())
            return true;
        if (!v.isBool())
            return false;
        out = v.toBool();
        return true;
    };
    QString state;
    if (!text("model", s.model) || !text("sentence", s.sentence) || !text("window_state", state)
        || !text("layout", s.layout))
        return bad(QStringLiteral("the session's \"model\", \"sentence\", \"layout\" and \"window_state\" must be text"));
    if (!text("audio", s.audio))
        return bad(QStringLiteral("the session's \"audio\" must be a clip's path"));
    if (const QJsonValue image = o.value(QStringLiteral("image")); !image.isUndefined()) {
        const QJsonObject i = image.toObject();
        const QJsonValue file = i.value(QStringLiteral("file")), png = i.value(QStringLiteral("png")),
                         pngFile = i.value(QStringLiteral("png_file")), label = i.value(QStringLiteral("label"));
        if (!image.isObject() || int(file.isString()) + int(png.isString()) + int(pngFile.isString()) != 1
            || (!label.isUndefined() && !label.isString()))
            return bad(QStringLiteral("the session's \"image\" must hold a \"file\" path or \"png\" data (with a "
                                      "\"label\")"));
        s.imageFile = file.toString();
        s.imageLabel = label.toString();
        if (png.isString()) {
            auto bytes = QByteArray::fromBase64Encoding(png.toString().toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
            if (!bytes || !bytes.decoded.startsWith(kPngSignature))
                return bad(QStringLiteral("the session's \"image\" \"png\" must be a PNG picture in base64"));
            s.imagePng = std::move(bytes.decoded);
        }
        if (pngFile.isString()) { // version 4: a plain name in the session's folder, read by loadSession
            s.imagePngFile = pngFile.toString();
            if (s.imagePngFile.isEmpty() || s.imagePngFile.contains(QLatin1Char('/'))
                || s.imagePngFile.contains(QLatin1Char('\\')) || s.imagePngFile.startsWith(QLatin1Char('.')))
                return bad(QStringLiteral("the session's \"image\" \"png_file\" must be a file name in the session's "
                                          "folder"));
        }
        if (!s.audio.isEmpty())
            return bad(QStringLiteral("the session holds both an \"audio\" clip and an \"image\"; keep one"));
    }
    if (s.layout != QLatin1String("step") && s.layout != QLatin1String("compare") && s.layout != QLatin1String("train"))
        return bad(QStringLiteral("the session names an unknown layout \"%1\" (step, compare or train)").arg(s.layout));
    if (!integer(o.value(QStringLiteral("beam_width")), 1, 64, s.beamWidth)
        || !integer(o.value(QStringLiteral("step")), 0, 1 << 20, s.step)
        || !integer(o.value(QStringLiteral("speed")), 0, 3, s.speed))
        return bad(QStringLiteral("the session's \"beam_width\" (1–64), \"step\" (≥ 0) and \"speed\" (0–3) must be "
                                  "whole numbers in range"));
    for (const QJsonValue v : o.value(QStringLiteral("history")).toArray()) {
        if (!v.isString())
            return bad(QStringLiteral("the session's \"history\" must be a list of sentences"));
        s.history << v.toString();
    }
    for (const QJsonValue v : o.value(QStringLiteral("prefix")).toArray()) {
        int id = 0;
        if (!integer(v, 0, 1 << 30, id))
            return bad(QStringLiteral("the session's \"prefix\" must be a list of target token ids"));
        s.prefix.push_back(id);
    }
    const QJsonObject heatmap = o.value(QStringLiteral("heatmap")).toObject();
    if (heatmap.contains(QStringLiteral("colormap")))
        s.colormap = heatmap.value(QStringLiteral("colormap")).toString();
    if (!sessionColormaps().contains(s.colormap))
        return bad(QStringLiteral("the session names an unknown colormap \"%1\"").arg(s.colormap));
    if (!flag(heatmap.value(QStringLiteral("hide_special")), s.hideSpecial)
        || !flag(heatmap.value(QStringLiteral("renormalise")), s.renormalise)
        || !flag(heatmap.value(QStringLiteral("log_scale")), s.logScale)
        || !flag(heatmap.value(QStringLiteral("merge_words")), s.mergeWords))
        return bad(QStringLiteral("the session's heatmap options must be true or false"));
    const QJsonValue attention = o.value(QStringLiteral("attention"));
    if (!attention.isUndefined()) {
        const auto selection = attention.isObject() ? selectionFromJson(attention.toObject()) : std::nullopt;
        if (!selection)
            return bad(QStringLiteral("the session's \"attention\" must name a layer (\"last\" or 1, 2, …) and a "
                                      "head (\"mean\", \"max\" or 1, 2, …)"));
        s.selection = *selection;
    }
    if (const QJsonValue iv = o.value(QStringLiteral("intervention")); !iv.isUndefined()) {
        if (!iv.isObject())
            return bad(QStringLiteral("the session's \"intervention\" must be an object"));
        auto read = interventionFromJson(iv.toObject());
        if (!read)
            return read.error();
        s.intervention = std::move(read).value();
    }
    if (auto history = interventionHistoryFromJson(o.value(QStringLiteral("intervention_history"))); !history)
        return history.error();
    else
        s.interventionHistory = std::move(history).value();
    s.windowState = QByteArray::fromBase64(state.toLatin1());
    return s;
}

namespace {

/// The picture file an existing session at `path` points at ("" if none or unreadable).
QString pictureOf(const QString &path)
{
    QFile f(path);
    if (f.size() > kMaxBytes || !f.open(QIODevice::ReadOnly))
        return {};
    const auto s = sessionFromJson(f.readAll());
    return s ? s->imagePngFile : QString();
}

} // namespace

Result<void> saveSession(const Session &session, const QString &path)
{
    const QFileInfo info(path);
    const QDir folder = info.absoluteDir();
    const QString before = pictureOf(path);
    Session s = session;
    s.imagePngFile.clear();
    if (s.imageFile.isEmpty() && s.imagePng.size() > kInlinePictureBytes) {
        // Named by its bytes: a new picture never overwrites the one the session on disk still points at.
        const QByteArray hash = QCryptographicHash::hash(s.imagePng, QCryptographicHash::Sha1).toHex().left(16);
        s.imagePngFile = QStringLiteral("%1.picture-%2.png").arg(info.completeBaseName(), QLatin1String(hash));
        const QString picture = folder.filePath(s.imagePngFile);
        if (QFileInfo(picture).size() != s.imagePng.size()) // already there (a recovery write): not again
            if (auto r = writeFileAtomically(QFile::encodeName(picture).toStdString(), s.imagePng.toStdString()); !r)
                return r;
    }
    const QByteArray json = sessionToJson(s);
    if (auto r = writeFileAtomically(QFile::encodeName(path).toStdString(), json.toStdString()); !r)
        return r;
    if (!before.isEmpty() && before != s.imagePngFile)
        QFile::remove(folder.filePath(before));
    return {};
}

Result<Session> loadSession(const QString &path)
{
    const QFileInfo info(path);
    if (!info.exists())
        return bad(QStringLiteral("%1: no such file").arg(path));
    if (!info.isFile())
        return bad(QStringLiteral("%1: not a file (a session is a .json file)").arg(path));
    if (info.size() > kMaxBytes)
        return bad(QStringLiteral("%1: too large for a session (%2 bytes)").arg(path).arg(info.size()));
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return bad(QStringLiteral("%1: cannot be read (%2)").arg(path, f.errorString()));
    auto s = sessionFromJson(f.readAll());
    if (!s)
        return bad(QStringLiteral("%1: %2").arg(path, QString::fromStdString(s.error().message)));
    if (!s->imagePngFile.isEmpty()) {
        const QString picturePath = info.absoluteDir().filePath(s->imagePngFile);
        QFile picture(picturePath);
        if (!picture.exists())
            return bad(QStringLiteral("%1: its picture %2 is missing; keep it beside the session file")
                           .arg(path, s->imagePngFile));
        if (picture.size() > kMaxPictureBytes)
            return bad(QStringLiteral("%1: too large for a session's picture (%2 bytes)").arg(picturePath).arg(picture.size()));
        if (!picture.open(QIODevice::ReadOnly))
            return bad(QStringLiteral("%1: cannot be read (%2)").arg(picturePath, picture.errorString()));
        s->imagePng = picture.readAll();
        if (!s->imagePng.startsWith(kPngSignature))
            return bad(QStringLiteral("%1: not a PNG picture (the session's picture)").arg(picturePath));
    }
    return s;
}

void removeSession(const QString &path)
{
    if (const QString picture = pictureOf(path); !picture.isEmpty())
        QFile::remove(QFileInfo(path).absoluteDir().filePath(picture));
    QFile::remove(path);
}

bool renameSession(const QString &from, const QString &to)
{
    removeSession(to);
    if (pictureOf(from).isEmpty())
        return QFile::rename(from, to);
    // The picture is renamed with it, so neither file's name is shared with `from`'s next copy.
    const auto s = loadSession(from);
    if (!s || !saveSession(*s, to))
        return QFile::rename(from, to);
    removeSession(from);
    return true;
}

} // namespace alignscope::ui
