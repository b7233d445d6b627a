// ECharts with only what the H5 app's charts use: bars, their grid, tooltip, today's mark and
// the empty chart's words, drawn as SVG. Loaded by dynamic import, only on pages with a chart.
import { BarChart } from 'echarts/charts'
import { GraphicComponent, GridComponent, MarkAreaComponent, TooltipComponent } from 'echarts/components'
import { init, use } from 'echarts/core'
import { SVGRenderer } from 'echarts/renderers'

use([BarChart, GridComponent, TooltipComponent, MarkAreaComponent, GraphicComponent, SVGRenderer])

export { init }
