"""The nengo GUI model script of ``python -m nengo_fashion.gui``.

nengo GUI runs this file; it builds the GUI model
(`nengo_fashion.gui.network_model.build_gui_model`, which calls the one network
definition) from the settings that ``python -m nengo_fashion.gui`` passes in environment
variables. To open it by hand:
``NENGO_FASHION_GUI_RUN=results/thesis-relu nengo nengo_fashion/gui/model.py``.
"""

from nengo_fashion.gui.network_model import build_gui_model, settings_from_env

model, readout = build_gui_model(**settings_from_env())
