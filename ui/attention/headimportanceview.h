#pragma once
// "Which heads matter": core's headImportance (each cross-attention head,
// then each layer, switched off alone; the fall in log P of the model's own
// output) run in the background on the current sentence, and optionally
// the first en-fr test sentences, with progress and Cancel; drawn as a
// layers × heads grid (plus a column for the whole layer) beside the head
// grid, whose cells carry the per-head AER: heads that align, heads that matter.

#include "alignscope/headimportance.h"

#include <QWidget>

#include <atomic>
#include <memory>

class QAction;
class QLabel;
class QProgressBar;
class QSpinBox;
class QTimer;
class QToolButton;

namespace alignscope::ui {

class DecodeController;

/// The grid itself: one cell per head and one per layer, coloured by the
/// drop (0 to the largest), values written in, details in tooltips.
class HeadImportanceView : public QWidget {
    Q_OBJECT
public:
    explicit HeadImportanceView(QWidget *parent = nullptr);
    void setImportance(const HeadImportance &importance);
    void clear();
    const HeadImportance &importance() const { return m_importance; }
    bool empty() const { return m_importance.layers == 0; }
    /// The rectangle of head `head` of `layer` (head == heads: the whole layer).
    QRectF cellRect(int layer, int head) const;
    QString cellToolTip(int layer, int head) const;
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;
    bool event(QEvent *event) override;

private:
    double cellWidth() const;
    HeadImportance m_importance;
};

class HeadImportancePanel : public QWidget {
    Q_OBJECT
public:
    HeadImportancePanel(DecodeController *controller, QWidget *parent = nullptr);
    ~HeadImportancePanel() override;

    HeadImportanceView *view() const { return m_view; }
    QAction *runAction() const { return m_run; }
    QProgressBar *progressBar() const { return m_progress; }
    QToolButton *cancelButton() const { return m_cancel; }
    QLabel *status() const { return m_status; }
    /// First en-fr test sentences measured with the current one (0: the current sentence alone).
    QSpinBox *testSentences() const { return m_extra; }
    bool running() const { return bool(m_job); }

public slots:
    /// Measures every head of the current model in the background.
    void run();
    void cancel();

signals:
    /// A run ended: measured, failed or cancelled.
    void finished();

private:
    struct Job;
    void modelChanged();
    void done(std::shared_ptr<Job> job, Result<HeadImportance> result);

    DecodeController *m_controller;
    HeadImportanceView *m_view;
    QAction *m_run;
    QSpinBox *m_extra;
    QProgressBar *m_progress;
    QToolButton *m_cancel;
    QLabel *m_status;
    QTimer *m_poll;
    std::shared_ptr<Job> m_job; ///< the run under way: progress and cancel flag, shared with the worker
};

} // namespace alignscope::ui
