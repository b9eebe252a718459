package main

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

var variantColors = map[Variant]color.Color{
	Ours:     color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	Baseline: color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	Floor:    color.RGBA{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff},
}

var variantLabels = map[Variant]string{
	Ours:     "ours: modelarts_visualization_job",
	Baseline: "baseline: one unsigned GET",
	Floor:    "floor: terraform_data",
}

// log10Ticks labels an axis whose values are log10 of the data with the
// data's own values at 1, 2 and 5 times each power of ten (minor ticks at the
// other multiples). The plan-time axis is drawn this way, as log10 of
// seconds on a linear scale, instead of with plot.LogScale: gonum centres
// an axis label at the linear midpoint of the range, which on a log axis
// lies near the top and squashes the plot to leave room for the label.
type log10Ticks struct{}

func (log10Ticks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for e := math.Floor(lo) - 1; e <= math.Ceil(hi)+1; e++ {
		for m := 1.0; m <= 9; m++ {
			v := m * math.Pow(10, e)
			lv := math.Log10(v)
			if lv < lo-1e-9 || lv > hi+1e-9 {
				continue
			}
			t := plot.Tick{Value: lv}
			if m == 1 || m == 2 || m == 5 {
				t.Label = strconv.FormatFloat(v, 'g', 3, 64)
			}
			ts = append(ts, t)
		}
	}
	return ts
}

// nTicks labels exactly the measured N values.
type nTicks []int

func (n nTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for _, v := range n {
		if f := float64(v); f >= lo && f <= hi {
			ts = append(ts, plot.Tick{Value: f, Label: strconv.Itoa(v)})
		}
	}
	return ts
}

// writeChart draws figure 1 as a PNG: on the left the plan wall time of the
// three variants against N (log-log, bars from min to max), on the right
// ours divided by the baseline, with the 1.1 target.
func writeChart(r *Results, path string) error {
	if len(r.Scaling) == 0 {
		return fmt.Errorf("no plan-scaling figures to draw")
	}
	var ns nTicks
	for _, p := range r.Scaling {
		ns = append(ns, p.N)
	}

	left := plot.New()
	left.Title.Text = "terraform plan wall time against N"
	left.X.Label.Text = "N (data sources, or terraform_data resources for the floor)"
	left.Y.Label.Text = "seconds, log scale (median; bars: min to max)"
	left.X.Scale = plot.LogScale{}
	left.X.Tick.Marker, left.Y.Tick.Marker = ns, log10Ticks{}
	left.Legend.Top, left.Legend.Left = true, true
	left.Legend.XOffs, left.Legend.YOffs = vg.Millimeter*2, -vg.Millimeter*2
	left.Add(plotter.NewGrid())
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for _, v := range []Variant{Ours, Baseline, Floor} {
		var pts plotter.XYs
		var errs plotter.YErrors
		for _, p := range r.Scaling {
			s := map[Variant]Stats{Ours: p.Ours, Baseline: p.Baseline, Floor: p.Floor}[v]
			if !s.measured() || s.Min <= 0 {
				continue
			}
			lm := math.Log10(s.Median)
			pts = append(pts, plotter.XY{X: float64(p.N), Y: lm})
			errs = append(errs, struct{ Low, High float64 }{lm - math.Log10(s.Min), math.Log10(s.Max) - lm})
			ymin, ymax = math.Min(ymin, s.Min), math.Max(ymax, s.Max)
		}
		if len(pts) == 0 {
			continue
		}
		if err := addSeries(left, pts, errs, variantColors[v], variantLabels[v]); err != nil {
			return err
		}
	}
	if math.IsInf(ymin, 0) {
		return fmt.Errorf("no positive plan times to draw")
	}
	xlo, xhi := float64(ns[0])*0.7, float64(ns[len(ns)-1])*1.4
	left.X.Min, left.X.Max = xlo, xhi
	left.Y.Min, left.Y.Max = math.Log10(ymin*0.8), math.Log10(ymax*3)

	// The right panel is the figure's target: ours / baseline, round by
	// round, against the 1.1 limit. (Ours / floor is in the table; on the
	// same axis it would squash the ratio that matters.)
	right := plot.New()
	right.Title.Text = "ours / baseline, per round"
	right.X.Label.Text = "N"
	right.Y.Label.Text = "plan time ratio (median; bars: min to max)"
	right.X.Scale = plot.LogScale{}
	right.X.Tick.Marker = ns
	right.Legend.Top, right.Legend.Left = true, true
	right.Legend.XOffs, right.Legend.YOffs = vg.Millimeter*2, -vg.Millimeter*2
	right.Add(plotter.NewGrid())
	rmax := 1.3
	var pts plotter.XYs
	var errs plotter.YErrors
	for _, p := range r.Scaling {
		s := p.RatioBaseline
		if !s.measured() {
			continue
		}
		pts = append(pts, plotter.XY{X: float64(p.N), Y: s.Median})
		errs = append(errs, struct{ Low, High float64 }{s.Median - s.Min, s.Max - s.Median})
		rmax = math.Max(rmax, s.Max)
	}
	for _, ref := range []struct {
		y     float64
		label string
		dash  bool
	}{{1.1, "target at N=1000: <= 1.1", true}, {1, "parity with the baseline", false}} {
		l, err := plotter.NewLine(plotter.XYs{{X: xlo, Y: ref.y}, {X: xhi, Y: ref.y}})
		if err != nil {
			return err
		}
		if ref.dash {
			l.Color = variantColors[Ours]
			l.Dashes = []vg.Length{vg.Points(6), vg.Points(4)}
		} else {
			l.Color = variantColors[Floor]
		}
		right.Add(l)
		right.Legend.Add(ref.label, l)
	}
	if len(pts) > 0 {
		if err := addSeries(right, pts, errs, variantColors[Baseline], "ours / baseline"); err != nil {
			return err
		}
	}
	right.X.Min, right.X.Max = xlo, xhi
	// Bars beyond 3 are clipped: a round that noisy says nothing about the
	// ratio, and the axis stays readable around 1.
	right.Y.Min, right.Y.Max = 0, math.Min(rmax*1.15, 3)

	const width, height = 34 * vg.Centimeter, 13 * vg.Centimeter
	img := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(110))
	dc := draw.New(img)
	pad := vg.Centimeter / 2
	half := width / 2
	left.Draw(draw.Crop(dc, pad, -(half + pad/2), pad, -pad))
	right.Draw(draw.Crop(dc, half+pad/2, -pad, pad, -pad))

	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// addSeries draws a line through pts with a circle at each point and error
// bars, in one colour, and names it in the legend.
func addSeries(p *plot.Plot, pts plotter.XYs, errs plotter.YErrors, c color.Color, label string) error {
	line, points, err := plotter.NewLinePoints(pts)
	if err != nil {
		return err
	}
	line.Color, points.Color = c, c
	line.Width = vg.Points(1.5)
	points.Shape = draw.CircleGlyph{}
	bars, err := plotter.NewYErrorBars(struct {
		plotter.XYs
		plotter.YErrors
	}{pts, errs})
	if err != nil {
		return err
	}
	bars.Color = c
	p.Add(line, points, bars)
	p.Legend.Add(label, line, points)
	return nil
}
