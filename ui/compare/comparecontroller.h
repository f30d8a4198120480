#pragma once
// CompareController decodes one sentence (or captions one picture) with
// several models off the GUI thread: one job per model, so each panel fills
// as its model finishes.
// Each job calls core's compareModels on its own model, which gives the
// trace, the summary row and the decode time. A generation counter drops
// results that a newer sentence, target or model list has overtaken.

#include "decode/decodecontroller.h"

#include "alignscope/compare.h"

#include <QObject>
#include <QString>
#include <QStringList>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

namespace alignscope::ui {

/// What one model produced: a trace and its summary row, or an error.
struct CompareResult {
    QString source;   ///< bundled name or path, as requested
    TracePtr trace;   ///< null when loading or decoding failed
    CompareRow row;   ///< row.error set on failure
    bool stopped = false; ///< cancelled before it finished (row.error says so)
};

/// Where the teacher-forced target comes from.
enum class CompareTarget {
    None,        ///< each model decodes on its own
    Reference,   ///< the corpus reference of the sentence (goldPairFor)
    Typed,       ///< a target the user typed
    ModelOutput, ///< one model's own translation
};

class CompareController : public QObject {
    Q_OBJECT
public:
    static constexpr int kMaxModels = 8;

    explicit CompareController(QObject *parent = nullptr);
    ~CompareController() override;

    /// Bundled names or paths, at most kMaxModels are used.
    void setModels(const QStringList &sources);
    QStringList models() const { return m_sources; }
    QString sentence() const { return m_sentence; }
    /// The picture every model captions (setImage), null for a sentence.
    std::shared_ptr<const RgbImage> image() const { return m_image; }
    /// Where the picture came from (a file, "pasted image"), empty without one.
    QString imageLabel() const { return m_imageLabel; }
    CompareTarget targetKind() const { return m_targetKind; }
    /// The text every model was forced on in the last run (empty for None).
    QString resolvedTarget() const { return m_resolvedTarget; }
    /// The corpus pair of the sentence, when it comes from one.
    const std::optional<SentencePair> &gold() const { return m_gold; }
    const QList<CompareResult> &results() const { return m_results; }
    bool busy() const { return m_pending > 0; }

public slots:
    /// A new sentence; it replaces the picture.
    void setSentence(const QString &sentence);
    /// Captions `image` with every model (each model's image processor
    /// prepares it); a model that reads text says so in its row. `label`
    /// names the picture. A typed caption, or one model's own, can be forced
    /// on every model (a picture has no corpus reference).
    void setImage(std::shared_ptr<const alignscope::RgbImage> image, const QString &label);
    /// `typed` is used for Typed; `modelIndex` (into models()) for ModelOutput.
    void setTarget(alignscope::ui::CompareTarget kind, const QString &typed = {}, int modelIndex = 0);
    /// Decodes again with the current settings.
    void run();
    /// Stops the run: decodes still going end within a step; the models
    /// not finished yet report `stopped`, and finished() follows at once.
    void cancel();

signals:
    /// A new run started: `count` panels, all empty.
    void started(int count);
    /// Model `index` finished (ok or with its error).
    void resultReady(int index);
    /// Every model of the run finished.
    void finished();
    /// The target could not be resolved (no reference, empty text); the
    /// run falls back to each model's own decode.
    void targetUnavailable(const QString &message);

private:
    struct Cache;
    void launch(quint64 generation, std::optional<std::string> target);
    void deliver(quint64 generation, int index, CompareResult result);

    QStringList m_sources;
    QString m_sentence;
    std::shared_ptr<const RgbImage> m_image;
    QString m_imageLabel;
    CompareTarget m_targetKind = CompareTarget::None;
    QString m_typedTarget;
    int m_targetModel = 0;
    QString m_resolvedTarget;
    std::optional<SentencePair> m_gold;
    QList<CompareResult> m_results;
    quint64 m_generation = 0;
    int m_pending = 0;
    std::shared_ptr<Cache> m_cache; // loaded models, shared with running jobs
    std::shared_ptr<std::atomic<bool>> m_cancel; // the current run's, shared with its jobs
};

} // namespace alignscope::ui

Q_DECLARE_METATYPE(alignscope::ui::CompareTarget)
