#pragma once
// HeadPicker: "Layer [n] Head [mean | max | 1…H]" for models with several
// layers or heads of cross-attention; hidden for an RNN's single row.

#include "alignscope/heads.h"

#include <QWidget>

class QComboBox;
class QLabel;

namespace alignscope::ui {

class HeadPicker : public QWidget {
    Q_OBJECT
public:
    explicit HeadPicker(QWidget *parent = nullptr);

    /// The model's cross-attention shape; the choice is kept when it still
    /// fits (else the default, the mean over the last layer's heads).
    void setShape(int layers, int heads);
    /// More than one layer or head to choose from.
    bool hasChoice() const { return m_layers > 1 || m_heads > 1; }
    int layers() const { return m_layers; }
    int heads() const { return m_heads; }
    HeadSelection selection() const;
    void setSelection(const HeadSelection &selection);
    /// "L [2] H [mean]" instead of "Layer [2] Head [mean]", for a small panel's title row.
    void setCompact(bool compact);
    QComboBox *layerCombo() const { return m_layer; }
    QComboBox *headCombo() const { return m_head; }

signals:
    void selectionChanged(const alignscope::HeadSelection &selection);

private:
    void fill();

    QComboBox *m_layer;
    QComboBox *m_head;
    QLabel *m_layerLabel;
    QLabel *m_headLabel;
    int m_layers = 1;
    int m_heads = 1;
};

} // namespace alignscope::ui
