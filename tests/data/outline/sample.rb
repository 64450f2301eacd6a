require "json"
require_relative "helper"

# Utilities.
module Util
  # A widget.
  class Widget < Base
    def initialize(name)
      @name = name
    end

    # Renders it.
    def render
      @name
    end

    def self.build
      new("x")
    end
  end
end

def top_level
end
